import { Construct } from 'constructs';
import type { Environment } from '../model/environment';
import type { PlatformModel } from '../model/types';
import { TenantPrincipal } from '../constructs/tenant-principal';
import { OperatorPrincipal } from '../constructs/operator-principal';
import { operatorAcls } from '../acl';
import { OPERATORS } from '../platform/identities';
import { TenantTopic } from '../constructs/tenant-topic';
import { TopicLedger } from '../constructs/topic-ledger';
import { KafkaStack } from './kafka-stack';

export const PLATFORM_STACK = 'platform';

/**
 * The shared topics of the shared tier and the platform consumers, the only principals that read them; and the
 * operator principals (deployer, planner) on every cluster, which is why the admin applies this stack.
 */
export class PlatformStack extends KafkaStack {
  constructor(
    scope: Construct,
    props: { readonly env: Environment; readonly platform: PlatformModel; readonly localStatePath?: string },
  ) {
    super(scope, PLATFORM_STACK, {
      env: props.env,
      cluster: props.env.sharedCluster,
      localStatePath: props.localStatePath,
      // the admin applies the platform stack: it bootstraps the operator principals everyone else logs in as
      loginAs: 'admin',
    });
    for (const topic of props.platform.topics) {
      new TenantTopic(this, topic.name, { topic, preventDestroy: !topic.allowDataLoss });
    }
    new TopicLedger(this, 'ledger', {
      file: `environments/${props.env.name}.yaml`,
      cluster: props.env.sharedCluster,
      declared: props.platform.topics.map((t) => t.name),
      retired: props.platform.retiredTopics,
      priorState: this.priorState,
      retiredKey: 'retiredSharedTopics',
      topicsKey: 'sharedTopics',
    });
    for (const c of props.platform.consumers) {
      new TenantPrincipal(this, c.username, { principal: c });
    }
    // The operator principals on every cluster (other clusters through their own aliased providers).
    for (const cluster of Object.keys(props.env.clusters).sort()) {
      const shared = cluster === props.env.sharedCluster;
      for (const op of OPERATORS) {
        new OperatorPrincipal(this, shared ? op.username : `${cluster}--${op.username}`, {
          username: op.username,
          bindings: operatorAcls(op.username, op.role),
          ...(shared ? {} : { provider: this.providerFor(cluster) }),
        });
      }
    }
  }
}
