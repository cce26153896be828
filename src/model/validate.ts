/**
 * Rules that need more than one field or more than one file, as tables: the environment's own cross-field rules
 * (`ENVIRONMENT_RULES`, run when it loads) and the tenant rules (`RULES`: the environment and the other tenants —
 * ids, cluster ownership, partitions, name collisions). One file on its own is checked by the schema in
 * `tenant-schema.ts`. The rules live in `rules/`, one file per concern.
 *
 * Adding a rule: append `{ code, describe, check }` to the table of its concern. Every rule runs, every problem is
 * reported at once, sorted, with the line and column of its path. A rule only looks at tenants that decoded; if it
 * depends on another rule's precondition (a known cluster, say), it skips silently and lets that rule report.
 *
 * Messages are lowercase and say what was received, what is allowed and how to fix it.
 */
import { type Problem, sortProblems } from '../errors';
import type { Environment } from './environment';
import type { ParsedTenant } from './load';
import { APPLICATION_RULES } from './rules/applications';
import { TIER_BOUND_RULES } from './rules/bounds';
import { CLUSTER_RULES } from './rules/clusters';
import type { Rule, RuleContext } from './rules/context';
import { IDENTITY_RULES } from './rules/identity';
import { MIGRATION_RULES } from './rules/migration';
import { migrationSourceCluster, sourceParsed } from './migration';
import { SHARED_TIER_RULES } from './rules/shared-tier';
import { TOPIC_RULES } from './rules/topics';
import { withPositions } from './source-map';

export type { Rule, RuleContext } from './rules/context';
export { targetCluster } from './rules/context';
export { ENVIRONMENT_RULES, type EnvironmentRule, type EnvironmentRuleContext } from './rules/environment';

/** Every tenant rule, by concern. */
export const RULES: readonly Rule[] = [
  ...IDENTITY_RULES,
  ...CLUSTER_RULES,
  ...TOPIC_RULES,
  ...TIER_BOUND_RULES,
  ...APPLICATION_RULES,
  ...SHARED_TIER_RULES,
  ...MIGRATION_RULES,
];

/** Run every rule; problems carry their position in the tenant file and are sorted by file, line, path. */
export function validateTenants(env: Environment, tenants: readonly ParsedTenant[]): Problem[] {
  const ctx: RuleContext = { env, tenants };
  const problems = RULES.flatMap((rule) => rule.check(ctx));
  problems.push(...sourcePlacementProblems(env, tenants, problems));
  return sortProblems(withPositions(problems, new Map(tenants.map((t) => [t.file, t.locate]))));
}

/**
 * A migrating tenant's source placement (the same file read for the tier and cluster it leaves) must itself be a
 * valid tenant: it is what keeps running until cutover. The rule table runs again with the source in place of the
 * target; problems the target already has are not repeated, the others say they are about the source.
 */
function sourcePlacementProblems(env: Environment, tenants: readonly ParsedTenant[], found: readonly Problem[]) {
  // After done the source keeps only revoked credentials and forgotten topics: the target may outgrow its bounds.
  const migrating = tenants.filter(
    (t) =>
      t.spec.migration &&
      t.spec.migration.state !== 'done' &&
      !found.some((p) => p.file === t.file && p.code.startsWith('migration_')),
  );
  if (migrating.length === 0) return [];
  const seen = new Set(found.map((p) => `${p.file}\0${p.path}\0${p.code}\0${p.message}`));
  return migrating.flatMap((t) => {
    const m = t.spec.migration!;
    const ctx: RuleContext = { env, tenants: tenants.map((x) => (x === t ? sourceParsed(env, t) : x)) };
    return RULES.filter((r) => !r.code.startsWith('migration_'))
      .flatMap((rule) => rule.check(ctx))
      .filter((p) => p.file === t.file && !seen.has(`${p.file}\0${p.path}\0${p.code}\0${p.message}`))
      .map((p) => ({
        ...p,
        message: `as the migration source (tier ${m.from.tier} on cluster "${migrationSourceCluster(env, m)}"): ${p.message}; until done the file must fit both tiers`,
      }));
  });
}
