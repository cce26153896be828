/** What the tenant files approve, per stack (from the model): plan review needs nothing else from them. */
import type { Model, RetiredTopicModel, TopicModel } from '../model/types';
import { type MigrationContext, migrationContext } from './migration';

export interface TopicApproval {
  readonly name: string;
  readonly allowDataLoss: boolean;
}

/** What the model says about one stack; plan review needs nothing else from the tenant files. */
export interface StackContext {
  readonly stack: string;
  readonly kind: 'tenant' | 'platform';
  /** `tenants/acme.yaml` or `environments/local.yaml`. */
  readonly file: string;
  readonly lifecycle: 'active' | 'decommissioning';
  /** Decommissioning with `deleteDataOnDecommission: true`. */
  readonly deleteData: boolean;
  readonly tier?: string;
  readonly cluster?: string;
  /** Topics declared now, by full name. */
  readonly topics: Readonly<Record<string, TopicApproval>>;
  /** Topics retired in the file (`retiredTopics` / `retiredSharedTopics`), by full name: delete or keep data. */
  readonly retired: Readonly<Record<string, { readonly deleteData: boolean }>>;
  /** A tier migration the file declares (review/migration.ts). */
  readonly migration?: MigrationContext;
  /** From the base revision, when known: tier, cluster and topics as they were (approvals of removed topics). */
  readonly base?: {
    readonly tier?: string;
    readonly cluster?: string;
    readonly topics: Readonly<Record<string, TopicApproval>>;
  };
}

export interface ReviewContext {
  /** Stacks that exist in the head model. A plan for a stack missing here is a removed tenant. */
  readonly stacks: Readonly<Record<string, StackContext>>;
}

const topicApprovals = (topics: readonly TopicModel[]): Record<string, TopicApproval> =>
  Object.fromEntries(topics.map((t) => [t.name, { name: t.name, allowDataLoss: t.allowDataLoss }]));
const retirements = (retired: readonly RetiredTopicModel[]): Record<string, { deleteData: boolean }> =>
  Object.fromEntries(retired.map((r) => [r.name, { deleteData: r.deleteData }]));

/**
 * The review context of a model (head), optionally with the model of the base revision. `platformStack` is the
 * name of the platform's stack (`PLATFORM_STACK` of src/stacks, which sits above this layer).
 */
export function reviewContext(model: Model, base?: Model, platformStack = 'platform'): ReviewContext {
  const envFile = `environments/${model.env.name}.yaml`;
  const stacks: Record<string, StackContext> = {
    [platformStack]: {
      stack: platformStack,
      kind: 'platform',
      file: envFile,
      lifecycle: 'active',
      deleteData: false,
      cluster: model.env.sharedCluster,
      topics: topicApprovals(model.platform.topics),
      retired: retirements(model.platform.retiredTopics),
      base: base ? { cluster: base.env.sharedCluster, topics: topicApprovals(base.platform.topics) } : undefined,
    },
  };
  for (const t of model.tenants) {
    const b = base?.tenants.find((x) => x.id === t.id);
    stacks[t.id] = {
      stack: t.id,
      kind: 'tenant',
      file: t.file,
      lifecycle: t.lifecycle,
      deleteData: t.deleteData,
      tier: t.tier,
      cluster: t.cluster,
      topics: topicApprovals(t.topics),
      retired: retirements(t.retiredTopics),
      migration: migrationContext(t),
      base: b ? { tier: b.tier, cluster: b.cluster, topics: topicApprovals(b.topics) } : undefined,
    };
  }
  return { stacks };
}
