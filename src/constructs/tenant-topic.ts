import { Construct } from 'constructs';
import { Topic } from '../../gen/providers/kafka/topic';
import type { TopicModel } from '../model/types';
import { assertRules, Rule } from './rules';

export interface TenantTopicProps {
  /** The resolved topic: full name, partitions, replication factor and configs. */
  readonly topic: TopicModel;
  /**
   * Refuse any plan that would destroy (or replace) this topic.
   * @default true - only a decommission with an explicit data-deletion decision, or `allowDataLoss` on the
   * topic, turns this off
   */
  readonly preventDestroy?: boolean;
}

const RULES: readonly Rule<TenantTopicProps>[] = [
  { check: (p) => /^[a-zA-Z0-9._-]+$/.test(p.topic.name), message: (p) => `illegal topic name "${p.topic.name}"` },
  {
    check: (p) => p.topic.name.length <= 249,
    message: (p) => `topic name longer than 249 characters` + ` (${p.topic.name.length})`,
  },
  { check: (p) => p.topic.partitions >= 1, message: (p) => `partitions must be at least 1, got ${p.topic.partitions}` },
  {
    check: (p) => p.topic.replicationFactor >= 1,
    message: (p) => `replication factor must be at least 1, got ${p.topic.replicationFactor}`,
  },
];

/** One Kafka topic. Its construct id is its name, so reordering a tenant file never changes the plan. */
export class TenantTopic extends Construct {
  readonly resource: Topic;

  constructor(scope: Construct, id: string, props: TenantTopicProps) {
    super(scope, id);
    assertRules('TenantTopic', id, props, RULES);
    this.resource = new Topic(this, 'topic', {
      name: props.topic.name,
      partitions: props.topic.partitions,
      replicationFactor: props.topic.replicationFactor,
      config: { ...props.topic.config },
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
  }
}
