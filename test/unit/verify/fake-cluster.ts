import type { LiveAcl } from '../../../src/acl';
/**
 * An in-memory stand-in for the live clusters, for unit tests of the checks: a VerifyContext whose admin snapshot
 * and raw sessions are fakes. The fake broker answers every request through one `decide` function, and records
 * every produce (with the partition it aimed at) and every record it would have written.
 */
import type { KafkaMessage } from 'kafkajs';
import type { Model } from '../../../src/model/types';
import type { SecretSource } from '../../../src/secrets';
import { type ClusterSnapshot, type LiveTopic, VerifyContext } from '../../../src/verify/context';
import type { RawSession } from '../../../src/verify/raw';

/** A Kafka error as kafkajs raises it for an error code (what `kafkaErrorType` reads). */
export function kafkaError(type: string): Error {
  return Object.assign(new Error(`broker answered ${type}`), { name: 'KafkaJSProtocolError', type });
}

export interface Request {
  readonly principal: string;
  readonly op: string;
  readonly topic?: string;
  readonly partition?: number;
}

/** The broker's answer: an error type, or `ok`. */
export type Decide = (req: Request, live: ReadonlyMap<string, LiveTopic>) => string;

export interface Produced {
  readonly principal: string;
  readonly topic: string;
  readonly partition: number;
  readonly headers: Readonly<Record<string, unknown>>;
}

const noSecrets: SecretSource = {
  get: () => undefined,
  getOrCreate: () => {
    throw new Error('no secrets in unit tests');
  },
};

export function liveTopic(partitions: number): LiveTopic {
  const partitionReplicas = Array.from({ length: partitions }, (_, partition) => ({
    partition,
    leader: 1 + (partition % 3),
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    offline: [],
  }));
  return { partitions, replicationFactor: 3, partitionReplicas, configs: new Map() };
}

/**
 * A correct platform: a principal may use what its model ACLs cover (approximated by prefix), nothing else. Produce
 * to a partition that does not exist answers UNKNOWN_TOPIC_OR_PARTITION only after authorization, as Kafka does.
 */
export function correctBroker(model: Model): Decide {
  const principals = [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers];
  return (req, live) => {
    const p = principals.find((x) => x.username === req.principal);
    const covered =
      req.topic !== undefined &&
      !!p?.acls.some(
        (b) =>
          b.resourceType === 'Topic' &&
          (b.patternType === 'Prefixed' ? req.topic!.startsWith(b.resourceName) : req.topic === b.resourceName),
      );
    if (!covered) return req.op.startsWith('group') ? 'GROUP_AUTHORIZATION_FAILED' : 'TOPIC_AUTHORIZATION_FAILED';
    const t = live.get(req.topic!);
    if (!t || (req.partition !== undefined && req.partition >= t.partitions)) return 'UNKNOWN_TOPIC_OR_PARTITION';
    return 'ok';
  };
}

export class FakeCluster {
  readonly requests: Request[] = [];
  readonly written: Produced[] = [];
  /** Live ACL bindings the admin snapshot reports (none unless a test adds some). */
  acls: LiveAcl[] = [];
  constructor(
    readonly topics: Map<string, LiveTopic>,
    public decide: Decide,
  ) {}

  snapshot(cluster: string): ClusterSnapshot {
    return { cluster, topics: this.topics, acls: this.acls, quotaWindow: { samples: 3, seconds: 1 } };
  }

  session(principal: string): RawSession {
    const ask = async (req: Omit<Request, 'principal'>) => {
      const full = { principal, ...req };
      this.requests.push(full);
      const a = this.decide(full, this.topics);
      if (a !== 'ok') throw kafkaError(a);
    };
    const fake = {
      metadata: async (topics: string[]) => {
        for (const topic of topics) await ask({ op: 'metadata', topic });
        return topics;
      },
      produce: async (
        topic: string,
        partition: number,
        messages: Array<{ headers?: Record<string, unknown> }>,
      ): Promise<string> => {
        await ask({ op: 'produce', topic, partition });
        for (const m of messages) this.written.push({ principal, topic, partition, headers: m.headers ?? {} });
        return '0';
      },
      fetch: async (topic: string, partition: number): Promise<KafkaMessage[]> => {
        await ask({ op: 'fetch', topic, partition });
        return [];
      },
      listOffsets: (topic: string) => ask({ op: 'list-offsets', topic }),
      describeTopicConfigs: (topic: string) => ask({ op: 'describe-configs', topic }),
      validateCreateTopic: (topic: string) => ask({ op: 'create-topic', topic }),
      deleteTopic: (topic: string) => ask({ op: 'delete-topic', topic }),
      validateAlterTopicConfig: (topic: string) => ask({ op: 'alter-configs', topic }),
      joinGroup: async () => {
        await ask({ op: 'group-join' });
        return 'joined';
      },
      commitOffset: () => ask({ op: 'group-commit' }),
      fetchOffsets: () => ask({ op: 'group-fetch-offsets' }),
      describeGroup: () => ask({ op: 'group-describe' }),
      findTransactionCoordinator: async () => {
        throw kafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
      },
      initProducerId: async () => {
        throw kafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
      },
      describeAcls: async () => {
        throw kafkaError('CLUSTER_AUTHORIZATION_FAILED');
      },
      close: async () => undefined,
    };
    return fake as unknown as RawSession;
  }

  /** A VerifyContext whose snapshots and sessions are this fake cluster's. */
  context(model: Model): VerifyContext {
    const ctx = new VerifyContext(model, noSecrets);
    jest.spyOn(ctx, 'snapshot').mockImplementation(async (cluster) => this.snapshot(cluster));
    jest.spyOn(ctx, 'session').mockImplementation(async (_cluster, p) => this.session(p.username));
    return ctx;
  }
}
