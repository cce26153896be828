import { Construct } from 'constructs';
import { TerraformDataSource, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { NEW_STACK_VARIABLE } from '../model/terraform-names';
import type { RetiredTopicModel } from '../model/types';
import { assertRules, Rule } from './rules';

/** How a stack reads its own state back (`terraform_remote_state` with the stack's own backend settings). */
export interface PriorStateSource {
  readonly backend: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface TopicLedgerProps {
  /** The file that declares these topics, for error messages: `tenants/acme.yaml`, `environments/local.yaml`. */
  readonly file: string;
  /** Key of the cluster the stack targets. */
  readonly cluster: string;
  /** Full names of the topics this configuration declares (each has a `kafka_topic` block). */
  readonly declared: readonly string[];
  /** Topics the file retires on purpose: deleted (`deleteData`) or forgotten with their data kept. */
  readonly retired: readonly RetiredTopicModel[];
  /**
   * Topics Terraform forgets while their records stay, other than retired ones (a migration's source topics at
   * done with keepSourceData): a `removed` block at the topic's path directly under the stack. @default []
   */
  readonly forget?: readonly string[];
  /** Topics whose deletion the file approves otherwise (a decommission with `deleteDataOnDecommission`). */
  readonly approvedDeletions?: readonly string[];
  /** Where this stack's state lives, read back at plan time. */
  readonly priorState: PriorStateSource;
  /**
   * A tier migration's phase: recorded in the state (output `kafka_tenancy_migration`), and `done` refused unless
   * the prior apply was the cutover (or done) and the cutover proof's digest is set (`proofVariable`).
   * @default - no migration
   */
  readonly migration?: { readonly state: string; readonly tenant: string; readonly proofVariable: string };
  /** Key of the retired topics' section in the file, for the fix in error messages. @default 'retiredTopics' */
  readonly retiredKey?: string;
  /** Key of the declared topics' section in the file. @default 'topics' */
  readonly topicsKey?: string;
}

/** Outputs every protected stack writes; what the next plan compares itself with. */
export const LEDGER_OUTPUTS = {
  topics: 'kafka_tenancy_topics',
  cluster: 'kafka_tenancy_cluster',
  migration: 'kafka_tenancy_migration',
} as const;

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const RULES: readonly Rule<TopicLedgerProps>[] = [
  {
    check: (p) => [...p.declared, ...p.retired.map((r) => r.name)].every((n) => TOPIC_NAME.test(n)),
    message: () => 'topic names must match [a-zA-Z0-9._-]+ (they are written into Terraform expressions)',
  },
  {
    check: (p) => !p.retired.some((r) => p.declared.includes(r.name)),
    message: (p) =>
      `retired topics are still declared: ${p.retired
        .filter((r) => p.declared.includes(r.name))
        .map((r) => r.name)
        .join(', ')}`,
  },
];

const hclList = (names: readonly string[]): string => JSON.stringify([...names].sort());

/**
 * Data safety that lives in the synthesized configuration, so it holds for `cdktf deploy`, a plain
 * `terraform apply` and our own deploy alike. `prevent_destroy` protects a topic only while its block exists;
 * removing a topic from a file removes the block and the protection with it, and moving a tenant to another
 * cluster makes Terraform drop everything it had on the old one from state during refresh. So every stack:
 *
 * - records in its state what it declared last time (outputs `kafka_tenancy_topics`, `kafka_tenancy_cluster`);
 * - reads that record back at plan time (`terraform_remote_state` on its own backend) and fails the plan, with a
 *   message naming the file and the fix, when a topic it declared before is neither declared nor retired now,
 *   or when the stack now points at another cluster;
 * - turns `retiredTopics` entries with `deleteData: false` into `removed { lifecycle { destroy = false } }`
 *   blocks (Terraform ≥ 1.7): the state forgets the topic and its data stays on the cluster.
 *
 * The first plan of a stack (no state yet, or a state written before this guard existed) has nothing to compare
 * with; it passes and writes the record. With a remote backend, whoever runs the first plan of a stack says so
 * (TF_VAR_kafka_tenancy_new_stack=true; our runner does it when `terraform state pull` finds no state).
 */
export class TopicLedger extends Construct {
  constructor(scope: TerraformStack, id: string, props: TopicLedgerProps) {
    super(scope, id);
    assertRules('TopicLedger', id, props, RULES);
    const stack = scope;
    const retiredKey = props.retiredKey ?? 'retiredTopics';
    const topicsKey = props.topicsKey ?? 'topics';

    const outputs = new Construct(this, 'outputs');
    new TerraformOutput(outputs, 'topics', {
      value: [...props.declared].sort(),
      description: 'topics this stack declared at its last apply (read back by the next plan)',
    }).overrideLogicalId(LEDGER_OUTPUTS.topics);
    new TerraformOutput(outputs, 'cluster', {
      value: props.cluster,
      description: 'cluster this stack manages (read back by the next plan)',
    }).overrideLogicalId(LEDGER_OUTPUTS.cluster);

    if (props.migration) {
      new TerraformOutput(outputs, 'migration', {
        value: props.migration.state,
        description: 'tier-migration phase of the last apply (read back by the next plan)',
      }).overrideLogicalId(LEDGER_OUTPUTS.migration);
    }

    const allowed = hclList([
      ...props.declared,
      ...props.retired.map((r) => r.name),
      ...(props.approvedDeletions ?? []),
      ...(props.forget ?? []),
    ]);
    const prior = new TerraformDataSource(this, 'prior', { terraformResourceType: 'terraform_remote_state' });
    prior.addOverride('backend', props.priorState.backend);
    // A stack's first plan has no state to read ("No stored state was found"). The local backend creates the
    // file empty when it takes its lock, hence the length. A remote state cannot be looked for from the
    // configuration: the runner that finds none (`terraform state pull` prints nothing) sets
    // TF_VAR_kafka_tenancy_new_stack=true, and only then is the read skipped.
    if (props.priorState.backend === 'local') {
      const file = JSON.stringify(props.priorState.config.path);
      prior.addOverride('count', `\${try(length(file(${file})), 0) > 0 ? 1 : 0}`);
    } else {
      new TerraformVariable(this, 'new-stack', {
        type: 'bool',
        default: false,
        nullable: false,
        description: 'true only while this stack has no state at all (its first apply): nothing to read back yet',
      }).overrideLogicalId(NEW_STACK_VARIABLE);
      prior.addOverride('count', `\${var.${NEW_STACK_VARIABLE} ? 0 : 1}`);
    }
    prior.addOverride('config', props.priorState.config);
    prior.addOverride('defaults', {
      [LEDGER_OUTPUTS.topics]: [],
      [LEDGER_OUTPUTS.cluster]: props.cluster,
      [LEDGER_OUTPUTS.migration]: '',
    });
    const dropped = `sort(setsubtract(self.outputs.${LEDGER_OUTPUTS.topics}, ${allowed}))`;
    const migrationDone = props.migration?.state === 'done' ? [migrationDoneCondition(this, props)] : [];
    prior.addOverride('lifecycle.postcondition', [
      ...migrationDone,
      {
        condition: `\${self.outputs.${LEDGER_OUTPUTS.cluster} == "${props.cluster}"}`,
        error_message:
          `${props.file}: this stack is deployed on cluster "\${self.outputs.${LEDGER_OUTPUTS.cluster}}" ` +
          `(its Terraform state says so) but the file now puts it on cluster "${props.cluster}". Applying would ` +
          `drop every topic, credential and ACL on the old cluster from state and leave them there unmanaged. ` +
          `Fix: revert the tier/cluster change; to move a tenant, decommission it on the old cluster first ` +
          `(lifecycle: decommissioning), then onboard it on the new one.`,
      },
      {
        condition: `\${length(${dropped}) == 0}`,
        error_message:
          `${props.file}: topic(s) \${join(", ", ${dropped})} were declared at the last apply and are not ` +
          `declared now; removing a topic from a file never deletes it. Fix: restore it under ${topicsKey}, or ` +
          `retire it under ${retiredKey} with "deleteData: false" (forget it, keep its records) or ` +
          `"deleteData: true" (delete it and its records).`,
      },
    ]);

    const removed = [...props.retired.filter((r) => !r.deleteData).map((r) => r.name), ...(props.forget ?? [])].map(
      (name) => ({ from: `kafka_topic.${retiredTopicLogicalId(stack, name)}`, lifecycle: { destroy: false } }),
    );
    if (removed.length) stack.addOverride('removed', removed);
  }
}

/**
 * `migration.state: done` switches the tenant's grants to the target and revokes the source: only after the cutover
 * was applied (the source refused writes) and proven (`kafka-tenancy migrate <tenant> cutover`, whose proof digest
 * our runner and tf-env pass in). Holds for plain terraform too; once done is applied it is not asked again.
 */
function migrationDoneCondition(
  scope: Construct,
  props: TopicLedgerProps,
): { condition: string; error_message: string } {
  const m = props.migration!;
  const proof = new TerraformVariable(scope, 'migration-proof', {
    type: 'string',
    default: '',
    nullable: false,
    description: `sha256 of ${m.tenant}'s cutover proof (kafka-tenancy migrate ${m.tenant} cutover); required to apply migration.state: done`,
  });
  proof.overrideLogicalId(m.proofVariable);
  const was = `self.outputs.${LEDGER_OUTPUTS.migration}`;
  return {
    condition: `\${${was} == "done" || (${was} == "cutover" && var.${m.proofVariable} != "")}`,
    error_message:
      `${props.file}: migration.state: done needs the cutover applied first (the last apply recorded ` +
      `"\${${was}}") and proven: deploy migration.state: cutover, run \`kafka-tenancy migrate ${m.tenant} cutover\` ` +
      `(it drains the replication, compares every partition and writes the proof), then deploy done; with plain ` +
      `terraform, eval "$(kafka-tenancy tf-env ${m.tenant})" passes the proof's digest as TF_VAR_${m.proofVariable}.`,
  };
}

/**
 * Logical id the TenantTopic construct of `name` had directly under `stack`: an empty construct at the same path
 * (stack → <name> → topic) gets the same id from cdktf's addressing scheme and synthesizes nothing.
 */
function retiredTopicLogicalId(stack: TerraformStack, name: string): string {
  return stack.getLogicalId(new Construct(new Construct(stack, name), 'topic').node);
}
