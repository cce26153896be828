/**
 * Tier migrations: a legal move, a source that exists and fits its tier, somewhere for every copied record to
 * go, and a source placement that is itself a valid tenant (the same file read for the old tier: the rule table
 * runs again on it, see validate.ts).
 */
import type { Problem } from '../../errors';
import { LEGAL_MOVES, legalMove, migrationSourceCluster, sharedSourcesOf } from '../migration';
import { dedicatedClusters, or, type Rule } from './context';

const moves = LEGAL_MOVES.map((m) => `${m.from} → ${m.to}`).join(', ');

export const MIGRATION_RULES: readonly Rule[] = [
  {
    code: 'migration_illegal_move',
    describe:
      'a migration is one of the supported moves (topic-per-tenant → dedicated, dedicated → dedicated, shared → topic-per-tenant)',
    check: ({ tenants }) =>
      tenants.flatMap((t): Problem[] => {
        const m = t.spec.migration;
        if (!m || legalMove(m.from.tier, t.spec.tier)) return [];
        return [
          {
            file: t.file,
            path: 'migration.from.tier',
            code: 'migration_illegal_move',
            message: `moving from tier ${m.from.tier} to tier ${t.spec.tier} is not supported (supported: ${moves}); move one step at a time, or onboard the tenant anew and decommission the old placement`,
          },
        ];
      }),
  },
  {
    code: 'migration_source_cluster',
    describe: 'the cluster a migration moves away from exists, fits the source tier and differs from the target',
    check: ({ env, tenants }) =>
      tenants.flatMap((t): Problem[] => {
        const m = t.spec.migration;
        if (!m) return [];
        const at = { file: t.file, path: 'migration.from.cluster', code: 'migration_source_cluster' };
        const name = migrationSourceCluster(env, m);
        const cluster = env.clusters[name];
        if (m.from.tier === 'dedicated' && m.from.cluster === undefined) {
          return [
            {
              ...at,
              message: `is required when moving off the dedicated tier; name the dedicated cluster the tenant lives on now (${or(dedicatedClusters(env), 'none')})`,
            },
          ];
        }
        if (!cluster) {
          return [
            {
              ...at,
              message: `"${name}" is not a cluster of environment "${env.name}" (clusters: ${Object.keys(env.clusters).sort().join(', ')}); name the cluster the tenant lives on now`,
            },
          ];
        }
        if ((m.from.tier === 'dedicated') !== Boolean(cluster.dedicated)) {
          return [
            {
              ...at,
              message: `"${name}" ${cluster.dedicated ? 'is' : 'is not'} a dedicated cluster, but the source tier is ${m.from.tier}; name the cluster the tenant lives on now`,
            },
          ];
        }
        if (m.from.tier !== 'shared' && name === (t.spec.cluster ?? env.sharedCluster)) {
          return [
            {
              ...at,
              message: `the tenant already lives on "${name}": a move between clusters needs a different target cluster; set cluster to the new one`,
            },
          ];
        }
        return [];
      }),
  },
  {
    code: 'migration_shared_targets',
    describe: 'a move out of the shared tier declares an own topic for every shared topic its applications write',
    check: ({ env, tenants }) =>
      tenants.flatMap((t): Problem[] => {
        const m = t.spec.migration;
        if (!m || m.from.tier !== 'shared' || !legalMove(m.from.tier, t.spec.tier)) return [];
        const sources = sharedSourcesOf(env, t.spec);
        if (sources.length === 0) {
          return [
            {
              file: t.file,
              path: 'migration',
              code: 'migration_shared_targets',
              message: `none of the applications writes a shared topic (shared topics: ${or(
                env.sharedTopics.map((s) => s.name).sort(),
                'none',
              )}), so there is nothing to copy; list the shared topics the tenant wrote under produces, with an own topic of the same name under topics`,
            },
          ];
        }
        const own = new Set(t.spec.topics.map((x) => x.name));
        return sources
          .filter((s) => !own.has(s))
          .map((s) => ({
            file: t.file,
            path: 'topics',
            code: 'migration_shared_targets',
            message: `the applications write "${s}", a shared topic whose records this migration copies, but no own topic "${s}" is declared; add "- name: ${s}" under topics (its records land in ${t.spec.id}.${s})`,
          }));
      }),
  },
  {
    code: 'migration_lifecycle',
    describe: 'a tenant is not decommissioned in the middle of a migration',
    check: ({ tenants }) =>
      tenants
        .filter(
          (t) =>
            t.spec.lifecycle === 'decommissioning' &&
            t.spec.migration &&
            (t.spec.migration.state === 'copying' || t.spec.migration.state === 'cutover'),
        )
        .map((t) => ({
          file: t.file,
          path: 'lifecycle',
          code: 'migration_lifecycle',
          message: `the tenant is in the middle of a migration (state ${t.spec.migration?.state}); finish it (state: done) or abort it (state: aborted) before decommissioning`,
        })),
  },
];
