/** What every cross-file rule sees, the rule type, and the helpers several rule files share. */
import type { Problem } from '../../errors';
import type { ClusterConfig, Environment } from '../environment';
import type { ParsedTenant } from '../load';
import type { ApplicationSpec, TenantSpec } from '../tenant-schema';

export interface RuleContext {
  readonly env: Environment;
  /** Tenants that decoded (file names may not match ids; that is reported by the loader). */
  readonly tenants: readonly ParsedTenant[];
}

export interface Rule {
  /** Stable code carried by every problem the rule reports. */
  readonly code: string;
  /** One line for the docs and `kafka-tenancy validate --rules`. */
  readonly describe: string;
  check(ctx: RuleContext): Problem[];
}

/** The cluster a tenant's stack targets: as declared, else the environment's shared cluster. */
export function targetCluster(env: Environment, spec: Pick<TenantSpec, 'cluster'>): string {
  return spec.cluster ?? env.sharedCluster;
}

export const or = (names: readonly string[], none: string) => (names.length ? names.join(', ') : none);

export function clusterOf(env: Environment, spec: TenantSpec): { name: string; cluster: ClusterConfig } | undefined {
  const name = targetCluster(env, spec);
  const cluster = env.clusters[name];
  return cluster ? { name, cluster } : undefined;
}

export const dedicatedClusters = (env: Environment) =>
  Object.entries(env.clusters)
    .filter(([, c]) => c.dedicated)
    .map(([n]) => n)
    .sort();

export const sharedTopicNames = (env: Environment) => env.sharedTopics.map((t) => t.name).sort();

/** Run `fn` for every application and collect what it reports. */
export function perApp(
  ctx: RuleContext,
  fn: (t: ParsedTenant, app: ApplicationSpec, at: string) => Problem[] | Problem | undefined,
): Problem[] {
  return ctx.tenants.flatMap((t) =>
    t.spec.applications.flatMap((app, i) => {
      const r = fn(t, app, `applications[${i}]`);
      return r === undefined ? [] : Array.isArray(r) ? r : [r];
    }),
  );
}

/** Entries declared twice within one tenant: report each repeat at its own path, citing the first. */
export function repeats(
  t: ParsedTenant,
  code: string,
  items: ReadonlyArray<readonly [value: string, path: string]>,
  message: (value: string, firstPath: string, path: string) => string,
): Problem[] {
  const first = new Map<string, string>();
  const out: Problem[] = [];
  for (const [value, path] of items) {
    const seen = first.get(value);
    if (seen === undefined) first.set(value, path);
    else out.push({ file: t.file, path, code, message: message(value, seen, path) });
  }
  return out;
}

/** Whether two `applications[i].…` paths belong to the same application. */
export const sameApp = (a: string, b: string) => a.slice(0, a.indexOf(']')) === b.slice(0, b.indexOf(']'));
