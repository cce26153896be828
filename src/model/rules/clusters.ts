/** Where a tenant lives: its cluster exists, fits its tier, and a dedicated cluster has one owner. */
import type { Problem } from '../../errors';
import type { ParsedTenant } from '../load';
import { clusterOf, dedicatedClusters, or, type Rule } from './context';

export const CLUSTER_RULES: readonly Rule[] = [
  {
    code: 'unknown_cluster',
    describe: 'a declared cluster exists in the environment',
    check: ({ env, tenants }) =>
      tenants
        .filter((t) => t.spec.cluster !== undefined && !env.clusters[t.spec.cluster])
        .map((t) => ({
          file: t.file,
          path: 'cluster',
          code: 'unknown_cluster',
          message: `"${t.spec.cluster}" is not a cluster of environment "${env.name}" (clusters: ${Object.keys(env.clusters).sort().join(', ')}); use one of them, or remove cluster to use the shared cluster "${env.sharedCluster}"`,
        })),
  },
  {
    code: 'cluster_required',
    describe: 'a dedicated-tier tenant names its dedicated cluster',
    check: ({ env, tenants }) =>
      tenants
        .filter((t) => t.spec.tier === 'dedicated' && t.spec.cluster === undefined)
        .map((t) => ({
          file: t.file,
          path: 'cluster',
          code: 'cluster_required',
          message: `is required for the dedicated tier; set it to a dedicated cluster of environment "${env.name}" (${or(dedicatedClusters(env), 'none yet: add one with dedicated: true')})`,
        })),
  },
  {
    code: 'tier_cluster_mismatch',
    describe: 'dedicated tier on a dedicated cluster, other tiers never on one, shared tier on the shared cluster',
    check: ({ env, tenants }) =>
      tenants.flatMap((t): Problem[] => {
        const target = clusterOf(env, t.spec);
        if (!target || t.spec.cluster === undefined) return [];
        const at = { file: t.file, path: 'cluster', code: 'tier_cluster_mismatch' };
        const { name, cluster } = target;
        if (t.spec.tier === 'dedicated' && !cluster.dedicated) {
          return [
            {
              ...at,
              message: `"${name}" is not a dedicated cluster, but tier is dedicated; use a dedicated cluster (${or(dedicatedClusters(env), 'none yet: add one with dedicated: true')}) or choose tier topic-per-tenant`,
            },
          ];
        }
        if (t.spec.tier !== 'dedicated' && cluster.dedicated) {
          return [
            {
              ...at,
              message: `"${name}" is a dedicated cluster, but tier is ${t.spec.tier}; remove cluster to use the shared cluster "${env.sharedCluster}", or choose tier dedicated`,
            },
          ];
        }
        if (t.spec.tier === 'shared' && name !== env.sharedCluster) {
          return [
            {
              ...at,
              message: `the shared tier lives on the shared cluster "${env.sharedCluster}" with the shared topics, got "${name}"; remove cluster`,
            },
          ];
        }
        return [];
      }),
  },
  {
    code: 'dedicated_cluster_taken',
    describe: 'a dedicated cluster belongs to one tenant',
    check: ({ env, tenants }) => {
      const byCluster = new Map<string, ParsedTenant[]>();
      for (const t of tenants) {
        const target = clusterOf(env, t.spec);
        if (t.spec.tier !== 'dedicated' || !target?.cluster.dedicated) continue;
        byCluster.set(target.name, [...(byCluster.get(target.name) ?? []), t]);
      }
      return [...byCluster.entries()]
        .filter(([, group]) => group.length > 1)
        .flatMap(([name, group]) =>
          group.map((t) => ({
            file: t.file,
            path: 'cluster',
            code: 'dedicated_cluster_taken',
            message: `dedicated cluster "${name}" is also claimed by ${group
              .filter((o) => o !== t)
              .map((o) => `tenant "${o.spec.id}" (${o.file})`)
              .join(
                ', ',
              )}; a dedicated cluster belongs to one tenant: add another dedicated cluster to the environment`,
          })),
        );
    },
  },
];
