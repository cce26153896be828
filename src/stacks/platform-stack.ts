import { Construct } from 'constructs';
import type { Environment } from '../model/environment';
import type { PlatformModel } from '../model/types';
import { PrincipalAcls } from '../constructs/principal-acls';
import { PrincipalQuota } from '../constructs/principal-quota';
import { ScramPrincipal } from '../constructs/scram-principal';
import { TenantTopic } from '../constructs/tenant-topic';
import { KafkaStack } from './kafka-stack';

export const PLATFORM_STACK = 'platform';

/** The shared topics of the shared tier and the platform consumers, the only principals that read them. */
export class PlatformStack extends KafkaStack {
  constructor(
    scope: Construct,
    props: { readonly env: Environment; readonly platform: PlatformModel; readonly localStatePath?: string },
  ) {
    super(scope, PLATFORM_STACK, { env: props.env, cluster: props.env.sharedCluster, localStatePath: props.localStatePath });
    for (const topic of props.platform.topics) {
      new TenantTopic(this, topic.name, { topic, preventDestroy: !topic.allowDataLoss });
    }
    for (const c of props.platform.consumers) {
      const principal = new Construct(this, c.username);
      new ScramPrincipal(principal, 'scram', { username: c.username });
      new PrincipalAcls(principal, 'acls', { bindings: c.acls });
      new PrincipalQuota(principal, 'quota', { username: c.username, quota: c.quota });
    }
  }
}
