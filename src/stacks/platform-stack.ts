import { Construct } from 'constructs';
import type { Environment } from '../model/environment';
import type { PlatformModel } from '../model/types';
import { TenantPrincipal } from '../constructs/tenant-principal';
import { TenantTopic } from '../constructs/tenant-topic';
import { TopicLedger } from '../constructs/topic-ledger';
import { KafkaStack } from './kafka-stack';

export const PLATFORM_STACK = 'platform';

/** The shared topics of the shared tier and the platform consumers, the only principals that read them. */
export class PlatformStack extends KafkaStack {
  constructor(
    scope: Construct,
    props: { readonly env: Environment; readonly platform: PlatformModel; readonly localStatePath?: string },
  ) {
    super(scope, PLATFORM_STACK, {
      env: props.env,
      cluster: props.env.sharedCluster,
      localStatePath: props.localStatePath,
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
  }
}
