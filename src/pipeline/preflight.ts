/**
 * The one table of change rules: what a change to tenant or environment files may not do to what is deployed.
 * `validate --base`, `plan`, `deploy` and `plan-review --base` all run this table, so a finding has the same code
 * and message whichever command meets it first. The "before" of a stack comes from its Terraform state
 * (plan, deploy) or from the base revision's files (validate --base, plan-review --base, deploy --base); the
 * synthesized configuration enforces the same rules on its own (TopicLedger, prevent_destroy) for `cdktf deploy`
 * and plain `terraform apply`.
 */
import { stackClusterOf } from '../model/migration';
import type { Problem } from '../errors';
import type { Model, TopicModel } from '../model/types';
import { PLATFORM_STACK } from '../stacks/app';
import { deployedTopics, type StateResource } from '../terraform/json';

/** What one stack had before the change. */
export interface StackBefore {
  readonly stack: string;
  /** Where the facts come from, for nothing but messages and de-duplication. */
  readonly source: 'state' | 'base';
  /** Key of the cluster the stack was on, when known. */
  readonly cluster?: string;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: number }>;
}

/** What the head model says about one stack (tenant or platform). */
interface StackHead {
  readonly file: string;
  readonly cluster: string;
  readonly topics: readonly TopicModel[];
  /** Full names allowed to disappear: retired (either decision), or deleted by a decommission. */
  readonly leaving: ReadonlySet<string>;
  readonly topicsKey: string;
  readonly retiredKey: string;
  readonly shared: boolean;
}

export interface ChangeRule {
  readonly code: string;
  readonly describe: string;
  readonly check: (before: StackBefore, head: StackHead) => Problem[];
}

function headOf(model: Model, stack: string): StackHead | undefined {
  if (stack === PLATFORM_STACK) {
    return {
      file: `environments/${model.env.name}.yaml`,
      cluster: model.env.sharedCluster,
      topics: model.platform.topics,
      leaving: new Set(model.platform.retiredTopics.map((r) => r.name)),
      topicsKey: 'sharedTopics',
      retiredKey: 'retiredSharedTopics',
      shared: true,
    };
  }
  const t = model.tenants.find((x) => x.id === stack);
  if (!t) return undefined;
  const deleting = t.lifecycle === 'decommissioning' && t.deleteData;
  return {
    file: t.file,
    cluster: stackClusterOf(t),
    topics: t.topics,
    leaving: new Set([...t.retiredTopics.map((r) => r.name), ...(deleting ? t.topics.map((x) => x.name) : [])]),
    topicsKey: 'topics',
    retiredKey: 'retiredTopics',
    shared: false,
  };
}

export const CHANGE_RULES: readonly ChangeRule[] = [
  {
    code: 'topic_removed',
    describe: 'a deployed topic stays declared until a retired-topic entry decides what happens to its data',
    check: (before, head) =>
      before.topics
        .filter((t) => !head.topics.some((x) => x.name === t.name) && !head.leaving.has(t.name))
        .map((t) => ({
          file: head.file,
          path: head.topicsKey,
          code: 'topic_removed',
          message:
            `topic ${t.name} is deployed but no longer declared; removing a topic never deletes it. ` +
            `restore it under ${head.topicsKey}, or retire it under ${head.retiredKey} with deleteData: false ` +
            `(forget it, keep its records) or deleteData: true (delete it and its records)`,
        })),
  },
  {
    code: 'partition_decrease',
    describe: 'partitions only grow (a decrease recreates the topic: its data is lost)',
    check: (before, head) =>
      head.topics.flatMap((t) => {
        const was = before.topics.find((x) => x.name === t.name);
        if (!was || !Number.isFinite(was.partitions) || t.partitions >= was.partitions || t.allowDataLoss) return [];
        return [
          {
            file: head.file,
            path: `${t.source.path}.partitions`,
            line: t.source.line,
            col: t.source.col,
            code: 'partition_decrease',
            message:
              `lowering partitions from ${was.partitions} to ${t.partitions} destroys the topic and its data; partitions can only grow. ` +
              (head.shared
                ? 'shared topics are never recreated by a plan; restore the partition count'
                : 'set allowDataLoss: true on the topic to approve recreating it'),
          },
        ];
      }),
  },
  {
    code: 'cluster_changed',
    describe: 'a stack stays on its cluster (a tier change that moves it would orphan everything on the old one)',
    check: (before, head) =>
      before.cluster !== undefined && before.cluster !== head.cluster
        ? [
            {
              file: head.file,
              path: 'tier',
              code: 'cluster_changed',
              message:
                `moves the tenant from cluster "${before.cluster}" to "${head.cluster}"; applying would drop every topic, ` +
                `credential and ACL on the old cluster from state and leave them there unmanaged. revert the tier/cluster ` +
                `change; to move a tenant, decommission it on the old cluster first (lifecycle: decommissioning), then onboard it on the new one`,
            },
          ]
        : [],
  },
];

/** Every rule over every stack's "before"; one finding per (code, file, path, message). */
export function changeProblems(befores: readonly StackBefore[], model: Model): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const before of befores) {
    const head = headOf(model, before.stack);
    if (!head) continue; // a removed tenant: removedTenantVerdict decides
    for (const rule of CHANGE_RULES) {
      for (const p of rule.check(before, head)) {
        const key = `${p.code}\0${p.file}\0${p.path}\0${p.message}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push(p);
        }
      }
    }
  }
  return out;
}

/** The "before" of every stack in a base revision's model. */
export function beforesFromBase(base: Model): StackBefore[] {
  return [
    { stack: PLATFORM_STACK, source: 'base', cluster: base.env.sharedCluster, topics: base.platform.topics },
    ...base.tenants.map((t) => ({
      stack: t.id,
      source: 'base' as const,
      cluster: stackClusterOf(t),
      // A tenant whose data the base revision already deleted has nothing left to protect.
      topics: t.lifecycle === 'decommissioning' && t.deleteData ? [] : t.topics,
    })),
  ];
}

/** The "before" of one stack from its state. */
export function beforeFromState(stack: string, state: readonly StateResource[]): StackBefore {
  return { stack, source: 'state', topics: deployedTopics(state) };
}
