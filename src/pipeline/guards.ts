/**
 * Safety rules that run before any plan, so a data-destroying change is refused with a message about the tenant
 * file rather than a Terraform error (or worse, a plan someone approves). Pure: the callers read the state.
 */
import type { Problem } from '../errors';
import type { LifecycleState } from '../model/types';
import type { PlanReview } from '../review';
import { isRevokedCredential, type StateResource } from '../terraform/json';

/** A tenant file present at the base revision and gone now. */
export interface RemovedTenant {
  readonly id: string;
  readonly file: string;
  /** Lifecycle in the base revision's file. */
  readonly baseLifecycle: LifecycleState | 'unknown';
  /** The stack's current state; undefined when it cannot be read without terraform (remote backends). */
  readonly state?: readonly StateResource[];
}

export interface RemovalVerdict {
  readonly problems: readonly Problem[];
  /** Removals that are fine: the tenant was decommissioned; its retained topics (if any) get forgotten. */
  readonly allowed: readonly { readonly id: string; readonly retainedTopics: readonly string[] }[];
}

/**
 * Removing a tenant file never deletes a tenant. It is allowed only after a decommission: the base revision
 * already said `lifecycle: decommissioning` and the stack's state holds nothing but retained topics (which
 * `kafka-tenancy decommission <id> --finalize` then forgets, leaving them on the cluster).
 */
export function removedTenantVerdict(removed: readonly RemovedTenant[]): RemovalVerdict {
  const problems: Problem[] = [];
  const allowed: { id: string; retainedTopics: string[] }[] = [];
  for (const t of removed) {
    if (t.baseLifecycle !== 'decommissioning') {
      problems.push({
        file: t.file,
        path: '',
        code: 'tenant_file_removed',
        message:
          `tenant "${t.id}" was removed; removing a tenant file never deletes a tenant and is refused. ` +
          `restore the file and set "lifecycle: decommissioning" (add "deleteDataOnDecommission: true" only if its topics may be deleted), ` +
          `merge and let the pipeline run "kafka-tenancy decommission ${t.id}", then remove the file`,
      });
      continue;
    }
    const leftovers = (t.state ?? []).filter((r) => r.type !== 'kafka_topic' && !isRevokedCredential(r));
    if (leftovers.length > 0) {
      const kinds = [...new Set(leftovers.map((r) => r.type.replace(/^kafka_/, '')))].sort().join(', ');
      problems.push({
        file: t.file,
        path: '',
        code: 'decommission_incomplete',
        message:
          `tenant "${t.id}" is decommissioning but its stack still holds ${leftovers.length} resource(s) (${kinds}); ` +
          `run "kafka-tenancy decommission ${t.id}" (or deploy) before removing the file`,
      });
      continue;
    }
    allowed.push({
      id: t.id,
      retainedTopics: (t.state ?? [])
        .filter((r) => r.type === 'kafka_topic')
        .map((r) => String(r.values.name))
        .sort(),
    });
  }
  return { problems, allowed };
}

/** A tenant whose stack has no state yet: `deploy` or `plan` is about to create it. */
export interface NewTenant {
  readonly id: string;
  /** `tenants/acme.yaml` */
  readonly file: string;
  readonly cluster: string;
  /** `acme.` */
  readonly topicPrefix: string;
}

/**
 * A new tenant must not find topics under its prefix: they belong to someone else, typically a decommissioned
 * tenant whose topics were retained (and forgotten by `decommission --finalize`). The new tenant's prefixed
 * grants would reach their data, and Terraform would fail to create a declared one only after the grants exist.
 * Every topic under the prefix counts, declared or not: with no state, none of them is the tenant's.
 */
export function reusedTenantIdProblems(tenant: NewTenant, liveTopics: readonly string[]): Problem[] {
  const taken = liveTopics.filter((t) => t.startsWith(tenant.topicPrefix)).sort();
  if (taken.length === 0) return [];
  const shown = taken.length > 10 ? `${taken.slice(0, 10).join(', ')} and ${taken.length - 10} more` : taken.join(', ');
  return [
    {
      file: tenant.file,
      path: 'id',
      code: 'tenant_id_reused',
      message:
        `topic${taken.length === 1 ? '' : 's'} ${shown} already exist${taken.length === 1 ? 's' : ''} on cluster ${tenant.cluster} ` +
        `(retained by a decommissioned tenant?); the grants of a new tenant "${tenant.id}" on "${tenant.topicPrefix}" would reach their data. ` +
        'choose another id or delete/adopt them explicitly',
    },
  ];
}

/**
 * The blockers of a plan review as problems of the files that would have to change: unapproved data loss (a topic
 * removed or renamed in a tenant file or in the environment's `sharedTopics`, or recreated) and failed plans.
 * `deploy` refuses them; `prevent_destroy` cannot, because a removed block carries no lifecycle.
 */
export function reviewBlockerProblems(review: PlanReview): Problem[] {
  return review.stacks.flatMap((s) =>
    s.risks
      .filter((r) => r.severity === 'blocker')
      .map((r): Problem => ({
        file: s.file ?? `tenants/${s.stack}.yaml`,
        path: '',
        code: r.code === 'data-loss' ? 'unapproved_data_loss' : r.code,
        message: r.detail,
      })),
  );
}
