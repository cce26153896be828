import { Construct } from 'constructs';
import { Quota } from '../../gen/providers/kafka/quota';
import type { QuotaModel } from '../model/types';
import { assertRules, Rule } from './rules';

export interface PrincipalQuotaProps {
  /** The SCRAM username the quota applies to (Kafka `user` entity). */
  readonly username: string;
  readonly quota: QuotaModel;
}

const RULES: readonly Rule<PrincipalQuotaProps>[] = [
  {
    check: (p) => p.username.length > 0 && !p.username.includes('*'),
    message: (p) => `invalid quota entity "${p.username}"`,
  },
  {
    check: (p) => p.quota.producerByteRate > 0,
    message: (p) => `producerByteRate must be positive, got ${p.quota.producerByteRate}`,
  },
  {
    check: (p) => p.quota.consumerByteRate > 0,
    message: (p) => `consumerByteRate must be positive, got ${p.quota.consumerByteRate}`,
  },
  {
    check: (p) => p.quota.requestPercentage > 0,
    message: (p) => `requestPercentage must be positive, got ${p.quota.requestPercentage}`,
  },
];

/**
 * Client quota for one user entity. Note: the Mongey provider applies any change as delete + create, so the
 * principal is briefly unthrottled during a quota edit; plan review flags that window.
 */
export class PrincipalQuota extends Construct {
  readonly resource: Quota;
  constructor(scope: Construct, id: string, props: PrincipalQuotaProps) {
    super(scope, id);
    assertRules('PrincipalQuota', id, props, RULES);
    this.resource = new Quota(this, 'quota', {
      entityType: 'user',
      entityName: props.username,
      config: {
        producer_byte_rate: props.quota.producerByteRate,
        consumer_byte_rate: props.quota.consumerByteRate,
        request_percentage: props.quota.requestPercentage,
      },
    });
  }
}
