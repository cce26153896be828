import { Construct } from 'constructs';
import type { Environment } from '../model/environment';
import type { TenantModel } from '../model/types';
import { TenantPrincipal } from '../constructs/tenant-principal';
import { ScramPrincipal } from '../constructs/scram-principal';
import { TenantTopic } from '../constructs/tenant-topic';
import { TopicLedger } from '../constructs/topic-ledger';
import { KafkaStack } from './kafka-stack';

export interface TenantStackProps {
  readonly env: Environment;
  readonly tenant: TenantModel;
  /** @default - see KafkaStackProps.localStatePath */
  readonly localStatePath?: string;
}

/**
 * Everything one tenant owns, on the cluster its tier puts it on (the shared cluster, or its own dedicated
 * cluster). Stack name = tenant id. A tenant being decommissioned keeps its topics (protected unless the
 * tenant file records the decision to delete data) and its credentials, revoked (a random password nobody
 * knows: deleting a SCRAM credential can lock every user out on a broker restart, see ScramPrincipalProps);
 * its ACLs and quotas go.
 */
export class TenantStack extends KafkaStack {
  constructor(scope: Construct, props: TenantStackProps) {
    super(scope, props.tenant.id, {
      env: props.env,
      cluster: props.tenant.cluster,
      localStatePath: props.localStatePath,
      loginAs: 'deployer',
    });
    const t = props.tenant;
    const decommissioning = t.lifecycle === 'decommissioning';
    const deleting = decommissioning && t.deleteData; // topics leave the configuration: terraform destroys them
    if (!deleting) {
      for (const topic of t.topics) new TenantTopic(this, topic.name, { topic, preventDestroy: !topic.allowDataLoss });
    }
    new TopicLedger(this, 'ledger', {
      file: t.file,
      cluster: t.cluster,
      declared: deleting ? [] : t.topics.map((x) => x.name),
      retired: t.retiredTopics,
      approvedDeletions: deleting ? t.topics.map((x) => x.name) : [],
      priorState: this.priorState,
    });
    if (decommissioning) {
      // Same construct path as TenantPrincipal's credential, so the plan revokes it in place.
      for (const p of t.principals) {
        new ScramPrincipal(new Construct(this, p.username), 'scram', { username: p.username, revoked: true });
      }
      return;
    }
    for (const p of t.principals) {
      new TenantPrincipal(this, p.username, { principal: p });
    }
  }
}
