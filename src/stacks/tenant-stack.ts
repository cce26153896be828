import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import type { Environment } from '../model/environment';
import type { TenantModel } from '../model/types';
import { type Placement, placements, stackClusterOf } from '../model/migration';
import { TenantPrincipal } from '../constructs/tenant-principal';
import { ScramPrincipal } from '../constructs/scram-principal';
import { TenantTopic } from '../constructs/tenant-topic';
import { TopicLedger } from '../constructs/topic-ledger';
import { KafkaStack } from './kafka-stack';
import { migrationProofVariable } from '../model/terraform-names';

export interface TenantStackProps {
  readonly env: Environment;
  readonly tenant: TenantModel;
  /** @default - see KafkaStackProps.localStatePath */
  readonly localStatePath?: string;
}

/** Construct id of the placement on the other cluster during a move between clusters (aliased provider). */
export const MIGRATION_TARGET_ID = 'migration-target';

/**
 * Everything one tenant owns, on the cluster its tier puts it on (the shared cluster, or its own dedicated
 * cluster). Stack name = tenant id. A tenant being decommissioned keeps its topics (protected unless the
 * tenant file records the decision to delete data) and its credentials, revoked (a random password nobody
 * knows: deleting a SCRAM credential can lock every user out on a broker restart, see ScramPrincipalProps);
 * its ACLs and quotas go.
 *
 * A tenant moving between clusters (`migration`) keeps the stack bound to the cluster it comes from, so adding
 * the block changes nothing there; what the target gets lives under `migration-target`, through an aliased
 * provider, phase by phase (model/migration.ts `placements`).
 */
export class TenantStack extends KafkaStack {
  constructor(scope: Construct, props: TenantStackProps) {
    super(scope, props.tenant.id, {
      env: props.env,
      cluster: stackClusterOf(props.tenant),
      localStatePath: props.localStatePath,
      loginAs: 'deployer',
    });
    const t = props.tenant;
    const decommissioning = t.lifecycle === 'decommissioning';
    const deleting = decommissioning && t.deleteData; // topics leave the configuration: terraform destroys them
    if (decommissioning) {
      if (!deleting) {
        for (const topic of t.topics)
          new TenantTopic(this, topic.name, { topic, preventDestroy: !topic.allowDataLoss });
      }
      new TopicLedger(this, 'ledger', {
        file: t.file,
        cluster: t.cluster,
        declared: deleting ? [] : t.topics.map((x) => x.name),
        retired: t.retiredTopics,
        approvedDeletions: deleting ? t.topics.map((x) => x.name) : [],
        priorState: this.priorState,
      });
      // Same construct path as TenantPrincipal's credential, so the plan revokes it in place.
      for (const p of t.principals) {
        new ScramPrincipal(new Construct(this, p.username), 'scram', { username: p.username, revoked: true });
      }
      return;
    }
    const { home, away } = placements(t);
    place(this, home);
    if (away) {
      const scope = new Construct(this, MIGRATION_TARGET_ID);
      place(scope, away);
      const provider = this.providerFor(away.cluster);
      for (const c of scope.node.findAll()) if (c instanceof TerraformResource) c.provider = provider;
    }
    const all = away ? [home, away] : [home];
    new TopicLedger(this, 'ledger', {
      file: t.file,
      cluster: home.cluster,
      declared: [...new Set(all.flatMap((p) => p.topics.map((x) => x.name)))],
      retired: t.retiredTopics,
      forget: home.forgetTopics,
      approvedDeletions: all.flatMap((p) => p.deleteTopics),
      priorState: this.priorState,
      ...(t.migration && {
        migration: { state: t.migration.state, tenant: t.id, proofVariable: migrationProofVariable(props.env.name) },
      }),
    });
  }
}

/** One placement's resources under `scope`: construct ids as they always were (topic name, username). */
function place(scope: Construct, p: Placement): void {
  for (const topic of p.topics) new TenantTopic(scope, topic.name, { topic, preventDestroy: !topic.allowDataLoss });
  for (const { principal, acls } of p.principals) {
    new TenantPrincipal(scope, principal.username, { principal: { ...principal, acls } });
  }
  for (const username of p.revoked) {
    new ScramPrincipal(new Construct(scope, username), 'scram', { username, revoked: true });
  }
}
