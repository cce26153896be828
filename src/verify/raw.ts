/**
 * One authenticated connection per principal that sends single, raw Kafka requests.
 *
 * Why not kafkajs' public producer/consumer/admin for the probes: they fetch metadata first, so a produce, fetch or
 * list-offsets to a topic the principal cannot DESCRIBE never reaches the broker as that request (and the existence
 * oracle of KAFKA-19234 lives precisely in the produce path). They also retry, look up coordinators and hide
 * per-partition error codes. A raw request is sent as is to the bootstrap broker, answered once, and its error code
 * is the observation. Authorization precedes leadership and coordinator checks in every handler, so the bootstrap
 * broker gives the authorization answer on a cluster of any size. Only an authorized produce, fetch or list-offsets
 * needs the partition's leader (a follower answers NOT_LEADER_OR_FOLLOWER, or serves a fetch only up to its own,
 * lagging high watermark): those go to the leader when the principal may see the topic's metadata, else to the
 * bootstrap broker as before.
 *
 * This uses kafkajs internals (the Cluster a `Kafka` instance builds, its seed `Broker`, the broker's connection
 * pool and the protocol error table). kafkajs is pinned to exactly 2.2.4 and unmaintained (harness notes B), so these
 * internals will not move; everything internal is in this file and typed by the interfaces below. The two admin
 * requests kafkajs lacks (DescribeUserScramCredentials, DescribeClientQuotas) are encoded in `admin-protocol.ts`
 * (pure bytes) and sent here on the same authenticated connection.
 */
import { AssignerProtocol, type IHeaders, type Kafka, type KafkaMessage } from 'kafkajs';
import {
  type ClientCredentials,
  type ClientOptions,
  type Endpoint,
  SASL_ERROR,
  kafkaClient,
  kafkaErrorType,
} from '../kafka/client';
import {
  type ClientQuotaEntry,
  type EncodedRequest,
  type ScramUserResult,
  decodeDescribeClientQuotasResponse,
  decodeDescribeUserScramCredentialsResponse,
  describeClientQuotasRequest,
  describeUserScramCredentialsRequest,
} from './admin-protocol';

interface InternalMessage {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: IHeaders;
}

interface FetchResponse {
  readonly responses: ReadonlyArray<{
    readonly topicName: string;
    readonly partitions: ReadonlyArray<{ readonly partition: number; readonly messages: KafkaMessage[] }>;
  }>;
}

/** kafkajs 2.2.4 `src/broker/index.js`: only what the probes call. Every method throws on a Kafka error code. */
interface InternalBroker {
  metadata(topics: string[]): Promise<{
    topicMetadata: ReadonlyArray<{
      topic: string;
      partitionMetadata?: ReadonlyArray<{ readonly partitionId: number; readonly leader: number }>;
    }>;
  }>;
  produce(req: {
    acks: number;
    timeout: number;
    topicData: Array<{ topic: string; partitions: Array<{ partition: number; messages: InternalMessage[] }> }>;
  }): Promise<{ topics: ReadonlyArray<{ partitions: ReadonlyArray<{ baseOffset: string }> }> }>;
  fetch(req: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<FetchResponse>;
  listOffsets(req: {
    replicaId: number;
    isolationLevel: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; timestamp: number }> }>;
  }): Promise<unknown>;
  joinGroup(req: {
    groupId: string;
    sessionTimeout: number;
    rebalanceTimeout: number;
    memberId: string;
    protocolType: string;
    groupProtocols: Array<{ name: string; metadata: Buffer }>;
  }): Promise<{ memberId: string }>;
  leaveGroup(req: { groupId: string; memberId: string }): Promise<unknown>;
  offsetCommit(req: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<unknown>;
  offsetFetch(req: {
    groupId: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number }> }>;
  }): Promise<unknown>;
  describeGroups(req: { groupIds: string[] }): Promise<unknown>;
  findGroupCoordinator(req: { groupId: string; coordinatorType: number }): Promise<unknown>;
  initProducerId(req: { transactionalId: string; transactionTimeout: number }): Promise<unknown>;
  createTopics(req: {
    topics: Array<{ topic: string; numPartitions: number; replicationFactor: number }>;
    validateOnly: boolean;
    timeout: number;
  }): Promise<unknown>;
  deleteTopics(req: { topics: string[]; timeout: number }): Promise<unknown>;
  describeConfigs(req: { resources: Array<{ type: number; name: string; configNames: string[] }> }): Promise<unknown>;
  alterConfigs(req: {
    resources: Array<{ type: number; name: string; configEntries: Array<{ name: string; value: string }> }>;
    validateOnly: boolean;
  }): Promise<unknown>;
  describeAcls(req: {
    resourceType: number;
    resourceName: string | null;
    resourcePatternType: number;
    principal: string | null;
    host: string | null;
    operation: number;
    permissionType: number;
  }): Promise<unknown>;
}

/**
 * What kafkajs 2.2.4's `Connection.send` (`src/network/connection.js`) takes: `encode()` must return something with
 * the Encoder's `buf` (checked) and `buffer` (written after the v1 request header); `decode` receives the response
 * after its correlation id; `parse` resolves the send.
 */
interface InternalProtocolRequest<T> {
  readonly request: {
    readonly apiKey: number;
    readonly apiVersion: number;
    readonly apiName: string;
    encode(): Promise<{ readonly buf: Buffer; readonly buffer: Buffer }>;
  };
  readonly response: { decode(payload: Buffer): Promise<T>; parse(decoded: T): Promise<T> };
}

/** kafkajs 2.2.4 `src/broker/index.js` fields behind the methods: the negotiated versions and the connection pool. */
interface InternalBrokerConnection {
  /** ApiVersions of the broker, by API key (set once the broker connected). */
  readonly versions: Readonly<Record<number, { readonly minVersion: number; readonly maxVersion: number }>> | null;
  readonly connectionPool: { send<T>(req: InternalProtocolRequest<T>): Promise<T> };
}

/**
 * kafkajs 2.2.4 `src/protocol/error.js`: the error kafkajs itself throws for a Kafka error code (with `type`), so our
 * own requests' refusals read exactly like those of kafkajs' requests. Not in kafkajs' typings, hence `require`.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error & { type: string; code: number };
};
const UNSUPPORTED_VERSION = 35;

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Refreshes the broker list (and the target topics' metadata; a raw session has none). */
  refreshMetadata(): Promise<void>;
  /** A connected broker of the cached metadata (kafkajs 2.2.4 `src/cluster/index.js`). */
  findBroker(req: { nodeId: string }): Promise<InternalBroker & InternalBrokerConnection>;
  readonly brokerPool: { readonly seedBroker?: InternalBroker & InternalBrokerConnection };
}

/** The Cluster factory every `Kafka` instance keeps under a private symbol (kafkajs 2.2.4 `src/index.js`). */
function internalCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!symbol) throw new Error('internal error: this kafkajs has no private cluster factory; kafkajs must be 2.2.4');
  const create = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[symbol]!;
  return create({ metadataMaxAge: 300_000, allowAutoTopicCreation: false, maxInFlightRequests: null });
}

const TOPIC_RESOURCE = 2; // ConfigResourceTypes.TOPIC
const ANY = 1; // AclResourceTypes / AclOperationTypes / ResourcePatternTypes / AclPermissionTypes .ANY
const TRANSACTION_COORDINATOR = 1; // coordinatorTypes.TRANSACTION
const READ_COMMITTED = 1;

/** What the broker answered: success with a short description, or a Kafka error type. */
export type Answer = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly error: string };

/** True for a Kafka error type (`TOPIC_AUTHORIZATION_FAILED`): an answer. Anything else (a connection error,
 * a timeout, a missing secret, a SASL exchange that broke off: `SASL_ERROR`) means the question was never
 * answered. */
export function isKafkaErrorType(type: string): boolean {
  return /^[A-Z][A-Z0-9_]+$/.test(type) && type !== 'UNKNOWN' && type !== SASL_ERROR;
}

/**
 * Run a request; a refusal becomes its Kafka error type (`TOPIC_AUTHORIZATION_FAILED`, …). Errors that are not an
 * answer from the broker are rethrown, so the check reports `error` instead of a pass or fail it cannot know.
 */
export async function answer(request: () => Promise<string | void>): Promise<Answer> {
  try {
    return { ok: true, detail: (await request()) || 'success' };
  } catch (e) {
    const type = kafkaErrorType(e);
    if (!isKafkaErrorType(type)) throw e;
    return { ok: false, error: type };
  }
}

/** `success (…)` or the error type: how answers read in results. */
export function showAnswer(a: Answer): string {
  return a.ok ? (a.detail === 'success' ? 'success' : `success (${a.detail})`) : a.error;
}

export class RawSession {
  /** Leader of a partition (`topic\npartition`) as the session last saw it. */
  private readonly leaders = new Map<string, InternalBroker & InternalBrokerConnection>();

  private constructor(
    private readonly cluster: InternalCluster,
    private readonly broker: InternalBroker & InternalBrokerConnection,
  ) {}

  /**
   * The broker to send a partition's produce, fetch or list-offsets to: its leader if the principal may see the
   * topic's metadata and the leader is known, else the bootstrap broker (which answers an unauthorized or unknown
   * topic or partition exactly as the leader would: authorization and existence precede leadership).
   */
  private async leaderOf(topic: string, partition: number): Promise<InternalBroker & InternalBrokerConnection> {
    const key = `${topic}\n${partition}`;
    const known = this.leaders.get(key);
    if (known) return known;
    let leader: number | undefined;
    try {
      const md = await this.broker.metadata([topic]);
      leader = md.topicMetadata
        .find((t) => t.topic === topic)
        ?.partitionMetadata?.find((p) => p.partitionId === partition)?.leader;
    } catch {
      return this.broker; // not allowed to describe it (or it does not exist): the request itself gets the answer
    }
    if (leader === undefined || leader < 0) return this.broker;
    let broker: InternalBroker & InternalBrokerConnection;
    try {
      broker = await this.cluster.findBroker({ nodeId: String(leader) });
    } catch {
      await this.cluster.refreshMetadata();
      broker = await this.cluster.findBroker({ nodeId: String(leader) });
    }
    this.leaders.set(key, broker);
    return broker;
  }

  /** Send to the partition's leader; if leadership moved since, find the new leader once and send again. */
  private async toLeader<T>(
    topic: string,
    partition: number,
    send: (b: InternalBroker & InternalBrokerConnection) => Promise<T>,
  ): Promise<T> {
    try {
      return await send(await this.leaderOf(topic, partition));
    } catch (e) {
      if (kafkaErrorType(e) !== 'NOT_LEADER_OR_FOLLOWER' || !this.leaders.delete(`${topic}\n${partition}`)) throw e;
      return send(await this.leaderOf(topic, partition));
    }
  }

  /**
   * Connect and authenticate. Rejects with the kafkajs error: `kafkaErrorType` gives SASL_AUTHENTICATION_FAILED only
   * for the broker's invalid-credentials answer, SASL_ERROR for anything else that broke the SASL exchange.
   */
  static async open(brokers: Endpoint, creds: ClientCredentials, opts: ClientOptions = {}): Promise<RawSession> {
    const kafka = kafkaClient(brokers, creds, {
      retries: 0,
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 10_000,
      ...opts,
    });
    const cluster = internalCluster(kafka);
    try {
      await cluster.connect();
    } catch (e) {
      await cluster.disconnect().catch(() => undefined);
      throw e;
    }
    const broker = cluster.brokerPool.seedBroker;
    if (!broker) throw new Error('internal error: kafkajs connected without a seed broker');
    return new RawSession(cluster, broker);
  }

  close(): Promise<void> {
    return this.cluster.disconnect().catch(() => undefined);
  }

  /** Topic names the principal may see; `[]` asks for all topics. */
  async metadata(topics: string[]): Promise<string[]> {
    const res = await this.broker.metadata(topics);
    return res.topicMetadata.map((t) => t.topic).sort();
  }

  /** Produce one batch to one partition; resolves with the base offset. */
  async produce(topic: string, partition: number, messages: InternalMessage[], acks = -1): Promise<string> {
    const res = await this.toLeader(topic, partition, (b) =>
      b.produce({ acks, timeout: 10_000, topicData: [{ topic, partitions: [{ partition, messages }] }] }),
    );
    return res.topics[0]?.partitions[0]?.baseOffset ?? '?';
  }

  /** Fetch from one partition at `offset` (no consumer group involved). */
  async fetch(topic: string, partition: number, offset: string, maxBytes = 1024 * 1024): Promise<KafkaMessage[]> {
    const res = await this.toLeader(topic, partition, (b) =>
      b.fetch({
        replicaId: -1,
        isolationLevel: READ_COMMITTED,
        maxWaitTime: 50,
        minBytes: 0,
        maxBytes,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset, maxBytes }] }],
      }),
    );
    return res.responses.flatMap((r) => r.partitions.flatMap((p) => p.messages));
  }

  async listOffsets(topic: string, partition = 0): Promise<void> {
    await this.toLeader(topic, partition, (b) =>
      b.listOffsets({
        replicaId: -1,
        isolationLevel: READ_COMMITTED,
        topics: [{ topic, partitions: [{ partition, timestamp: -1 }] }],
      }),
    );
  }

  /** JoinGroup as a new member; leaves again if the broker let it in. */
  async joinGroup(groupId: string, topics: string[]): Promise<string> {
    const metadata = AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) });
    const res = await this.broker.joinGroup({
      groupId,
      sessionTimeout: 6000,
      rebalanceTimeout: 6000,
      memberId: '',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata }],
    });
    await this.broker.leaveGroup({ groupId, memberId: res.memberId }).catch(() => undefined);
    return `joined as member ${res.memberId}`;
  }

  /** A standalone offset commit (generation -1, no member), as admin tools and `assign()` consumers do. */
  async commitOffset(groupId: string, topic: string, partition = 0, offset = '0'): Promise<void> {
    await this.broker.offsetCommit({
      groupId,
      groupGenerationId: -1,
      memberId: '',
      retentionTime: -1,
      topics: [{ topic, partitions: [{ partition, offset }] }],
    });
  }

  async fetchOffsets(groupId: string, topic: string, partition = 0): Promise<void> {
    await this.broker.offsetFetch({ groupId, topics: [{ topic, partitions: [{ partition }] }] });
  }

  async describeGroup(groupId: string): Promise<void> {
    await this.broker.describeGroups({ groupIds: [groupId] });
  }

  async findTransactionCoordinator(transactionalId: string): Promise<void> {
    await this.broker.findGroupCoordinator({ groupId: transactionalId, coordinatorType: TRANSACTION_COORDINATOR });
  }

  async initProducerId(transactionalId: string): Promise<void> {
    await this.broker.initProducerId({ transactionalId, transactionTimeout: 10_000 });
  }

  /** CreateTopics with validateOnly: the broker authorizes and validates, and never creates the topic. */
  async validateCreateTopic(topic: string, replicationFactor: number): Promise<void> {
    await this.broker.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor }],
      validateOnly: true,
      timeout: 5000,
    });
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.broker.deleteTopics({ topics: [topic], timeout: 5000 });
  }

  async describeTopicConfigs(topic: string): Promise<void> {
    await this.broker.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: [] }] });
  }

  /** AlterConfigs with validateOnly: authorized and validated by the broker, never applied. */
  async validateAlterTopicConfig(topic: string, name: string, value: string): Promise<void> {
    await this.broker.alterConfigs({
      resources: [{ type: TOPIC_RESOURCE, name: topic, configEntries: [{ name, value }] }],
      validateOnly: true,
    });
  }

  /** DescribeAcls for everything (needs DESCRIBE on the Cluster). */
  async describeAcls(): Promise<void> {
    await this.broker.describeAcls({
      resourceType: ANY,
      resourceName: null,
      resourcePatternType: ANY,
      principal: null,
      host: null,
      operation: ANY,
      permissionType: ANY,
    });
  }

  /**
   * DescribeUserScramCredentials for every user (needs DESCRIBE on the Cluster): each SCRAM user with its
   * mechanisms and iterations, never a salt or a key. A message-level error code is thrown as kafkajs' protocol
   * error, so `answer()` reads it like any other refusal; per-user error codes stay in the results.
   */
  async describeScramUsers(): Promise<ScramUserResult[]> {
    const res = await this.send(describeUserScramCredentialsRequest(null), decodeDescribeUserScramCredentialsResponse);
    if (res.errorCode !== 0) throw createErrorFromCode(res.errorCode);
    return [...res.results];
  }

  /** DescribeClientQuotas with no filter (needs DESCRIBE_CONFIGS on the Cluster): every quota entity and its values. */
  async describeClientQuotas(): Promise<ClientQuotaEntry[]> {
    const res = await this.send(describeClientQuotasRequest(), decodeDescribeClientQuotasResponse);
    if (res.errorCode !== 0) throw createErrorFromCode(res.errorCode);
    return [...res.entries];
  }

  /** One request kafkajs has no encoder for, on the seed broker's authenticated connection. */
  private async send<T>(req: EncodedRequest, decode: (payload: Buffer) => T): Promise<T> {
    const v = this.broker.versions?.[req.apiKey];
    // The broker would close the connection on a version it does not know; kafkajs' own requests check this too.
    if (!v || req.apiVersion < v.minVersion || req.apiVersion > v.maxVersion) {
      throw createErrorFromCode(UNSUPPORTED_VERSION);
    }
    return this.broker.connectionPool.send<T>({
      request: {
        apiKey: req.apiKey,
        apiVersion: req.apiVersion,
        apiName: req.apiName,
        encode: async () => ({ buf: req.payload, buffer: req.payload }),
      },
      response: { decode: async (payload) => decode(payload), parse: async (decoded) => decoded },
    });
  }
}
