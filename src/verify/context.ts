/**
 * Everything the checks share during one run: the model, credentials from the environment's secret source, one
 * connection per principal and cluster (opened on first use, closed at the end), and one admin snapshot per cluster
 * (topics, configs, ACLs, quota windows) that all conformance checks read, plus one identity snapshot per cluster
 * (SCRAM users and client quotas, through the raw admin requests kafkajs lacks).
 */
import * as crypto from 'node:crypto';
import type { Admin, Kafka, Producer, RequestTimeoutEvent } from 'kafkajs';
import { EnvironmentError } from '../errors';
import { type ClientOptions, type ClusterEndpoint, kafkaClient, loginAnswer } from '../kafka/client';
import { endpointOfCluster } from '../platform/connection';
import { ADMIN_USER, adminCredentials, OPERATORS, operatorCredentials, PLANNER_USER } from '../platform/identities';
import { principalOf } from '../naming';
import type { Model, PrincipalModel, TenantModel, TopicModel } from '../model/types';
import { secretNames, type SecretSource } from '../secrets';
import { LocalKeyring, type KeyProvider, PartitionMapIndex, TenantProducer } from '../sdk';
import { type LiveAcl, fromDescribeAcls } from '../acl';
import { withDeadline } from '../kafka/deadline';
import { ClusterHealth, ClusterUnreachable, PROBE_DEADLINE_MS } from './health';
import { RawSession } from './raw';
import type { ClientQuotaEntry, ScramCredentialInfo } from './admin-protocol';
import type { PartitionReplicas } from './replication';
import { VERIFICATION_MARKER_HEADER } from '../sdk/keys';

/** Super users of every cluster the platform runs (see src/local/cluster.ts); exempt from ACL findings. */
export const SUPER_USERS: readonly string[] = [principalOf(ADMIN_USER), principalOf('controller')];

/**
 * Exempt from the tenant ACL findings (hygiene, exposure, reach): the super users, and the operator principals,
 * whose wide bindings (literal `*` topics, the Cluster) are checked exactly by checks/operators.ts instead.
 */
export const ACL_EXEMPT: readonly string[] = [...SUPER_USERS, ...OPERATORS.map((o) => principalOf(o.username))];

/**
 * Operator accounts of every cluster besides the model's principals (src/local/cluster.ts): the admin is a SCRAM
 * user (bootstrapped at format time, Kafka's default 4096 iterations); the controller logs in with PLAIN on the
 * controller listener, so it is normally no SCRAM user at all, but may be one.
 */
export const OPERATOR_USERS: { readonly required: readonly string[]; readonly optional: readonly string[] } = {
  // the deployer and the planner: made by the platform stack on every cluster
  required: [ADMIN_USER, ...OPERATORS.map((o) => o.username)],
  optional: ['controller'],
};

/**
 * The SCRAM credential every principal gets: what `ScramPrincipal` (src/constructs/scram-principal.ts) asks the
 * provider for. Verify cannot import the constructs (layers); a unit test keeps the two equal.
 */
export const PRINCIPAL_SCRAM: ScramCredentialInfo = { mechanism: 'SCRAM-SHA-512', iterations: 8192 };

/**
 * Marks every record and name a run creates, so a reader (or a consumer) can tell them from real traffic. One home:
 * the SDK, whose consumers skip records carrying it.
 */
export const VERIFY_MARK = VERIFICATION_MARKER_HEADER;

/** A principal the suite acts as: a tenant application or a platform consumer. */
export interface Actor {
  /** Tenant id, or `platform`. */
  readonly owner: string;
  readonly cluster: string;
  readonly principal: PrincipalModel;
  /** Undefined for platform consumers. */
  readonly tenant?: TenantModel;
}

export interface LiveTopic {
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Leader, replicas and in-sync replicas of every partition, from the same metadata answer. */
  readonly partitionReplicas: readonly PartitionReplicas[];
  /** Every config of the topic with its value and whether it is a per-topic override. */
  readonly configs: ReadonlyMap<string, { readonly value: string | null; readonly override: boolean }>;
}

export interface ClusterSnapshot {
  readonly cluster: string;
  readonly topics: ReadonlyMap<string, LiveTopic>;
  readonly acls: readonly LiveAcl[];
  /** Broker quota windows (`quota.window.num` × `quota.window.size.seconds`). */
  readonly quotaWindow: { readonly samples: number; readonly seconds: number };
}

/** Who can log in to a cluster and how fast each may go, as the admin reads it (admin requests kafkajs lacks). */
export interface IdentitySnapshot {
  readonly cluster: string;
  /** Every SCRAM user with its credentials (DescribeUserScramCredentials for all users), sorted by name. */
  readonly scramUsers: ReadonlyMap<string, readonly ScramCredentialInfo[]>;
  /** Every client quota entity with its values (DescribeClientQuotas, no filter), entities without values left out. */
  readonly quotas: readonly ClientQuotaEntry[];
}

const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;
const DYNAMIC_TOPIC_CONFIG = 1;
const ANY = 1;
/** Closing waits for requests in flight; on a frozen broker those only end at their timeout. */
const CLOSE_DEADLINE_MS = 5000;
/** Six admin requests in a row, each with its own timeout and one retry: bounded as a whole, like a check. */
const SNAPSHOT_DEADLINE_MS = 60_000;

export class VerifyContext {
  readonly runId = crypto.randomBytes(4).toString('hex');
  readonly partitionMap: PartitionMapIndex;
  /** Encrypted tenants' records written by the run are sealed with this ephemeral keyring (never persisted). */
  readonly keyProvider: KeyProvider;
  private readonly sessions = new Map<string, Promise<RawSession>>();
  private readonly admins = new Map<string, Promise<Admin>>();
  private readonly producers = new Map<string, Promise<Producer>>();
  private readonly tenantProducers = new Map<string, Promise<TenantProducer>>();
  private readonly snapshots = new Map<string, Promise<ClusterSnapshot>>();
  private readonly identitySnapshots = new Map<string, Promise<IdentitySnapshot>>();
  private readonly closers: Array<() => Promise<void>> = [];
  private closed = false;
  /** Which clusters stopped answering during the run (see health.ts); connections to them are not opened again. */
  readonly health: ClusterHealth;

  constructor(
    readonly model: Model,
    readonly secrets: SecretSource,
    keyProvider?: KeyProvider,
    health?: ClusterHealth,
  ) {
    this.partitionMap = new PartitionMapIndex(model.partitionMap);
    this.keyProvider = keyProvider ?? LocalKeyring.inMemory(model.tenants.filter((t) => t.encryption).map((t) => t.id));
    this.health =
      health ??
      new ClusterHealth(
        (cluster) => loginAnswer(this.brokers(cluster), adminCredentials(this.secrets, cluster), PROBE_DEADLINE_MS),
        (cluster) => this.unreachableHint(cluster),
      );
  }

  /** What to do about a cluster that does not answer. */
  unreachableHint(cluster: string): string {
    const c = this.model.env.clusters[cluster];
    const servers = c?.bootstrapServers.join(', ') ?? '?';
    if (!c?.local) return `check that the brokers of cluster ${cluster} (${servers}) run and are reachable from here`;
    const env = this.model.env.name === 'local' ? '' : ` --env ${this.model.env.name}`;
    return (
      `is its broker running and ready? \`kafka-tenancy local status${env}\`; start it with \`kafka-tenancy local up${env}\` ` +
      `(a broker that runs but does not answer, e.g. a stopped process: \`kafka-tenancy local down${env}\` first); bootstrap ${servers}`
    );
  }

  /**
   * The header every record the run writes carries (`kafka-tenancy-verify: <run id>`), so platform consumers and
   * tenant applications can skip them (docs/verification.md, "What a run writes").
   */
  markHeaders(): { [VERIFY_MARK]: string } {
    return { [VERIFY_MARK]: this.runId };
  }

  /** Live partition count of a topic from the admin snapshot, undefined if the topic does not exist. */
  async livePartitions(cluster: string, topic: string): Promise<number | undefined> {
    return (await this.snapshot(cluster)).topics.get(topic)?.partitions;
  }

  /** Every tenant application and platform consumer, with the cluster it lives on. */
  actors(): Actor[] {
    return [
      ...this.model.tenants
        .filter((t) => t.lifecycle === 'active')
        .flatMap((t) => t.principals.map((principal) => ({ owner: t.id, cluster: t.cluster, principal, tenant: t }))),
      ...this.model.platform.consumers.map((principal) => ({
        owner: 'platform',
        cluster: this.model.env.sharedCluster,
        principal,
      })),
    ];
  }

  /** Bootstrap servers of a cluster, with TLS when its listener is SASL_SSL (platform/connection.ts). */
  brokers(cluster: string): ClusterEndpoint {
    const c = this.model.env.clusters[cluster];
    if (!c) throw new EnvironmentError(`cluster "${cluster}" is not in environment "${this.model.env.name}"`);
    return endpointOfCluster(c, cluster, this.secrets);
  }

  clusters(): string[] {
    return Object.keys(this.model.env.clusters).sort();
  }

  /** The principal's SCRAM password from the secret source; never logged. */
  password(p: PrincipalModel): string {
    const password = this.secrets.get(p.secretName);
    if (!password) {
      throw new EnvironmentError(
        `no SCRAM password for ${p.username} in the secret source (secret "${p.secretName}")`,
        'deploy the fleet first (`kafka-tenancy deploy`), or provide the secret',
      );
    }
    return password;
  }

  credentials(p: PrincipalModel) {
    return { username: p.username, password: this.password(p) };
  }

  /** A kafkajs client for the principal (fast-failing: one retry), watched by the health tracker. */
  kafka(cluster: string, p: PrincipalModel, opts: ClientOptions = {}): Kafka {
    return this.watch(
      cluster,
      kafkaClient(this.brokers(cluster), this.credentials(p), {
        clientId: `${VERIFY_MARK}-${this.runId}`,
        retries: 1,
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 10_000,
        ...opts,
      }),
    );
  }

  /**
   * Every producer, consumer and admin made from `kafka` reports its request timeouts to the health tracker. The
   * first timeout makes it probe the cluster at once, instead of after the client's retries (each one more request
   * timeout) and the check give up.
   */
  watch(cluster: string, kafka: Kafka): Kafka {
    const signal = (e: RequestTimeoutEvent) =>
      void this.health.suspect(
        cluster,
        `kafkajs: ${e.payload.apiName} request to ${e.payload.broker} timed out (client ${e.payload.clientId})`,
      );
    const { producer, consumer, admin } = { producer: kafka.producer, consumer: kafka.consumer, admin: kafka.admin };
    kafka.producer = (config) => {
      const c = producer.call(kafka, config);
      c.on(c.events.REQUEST_TIMEOUT, signal);
      return c;
    };
    kafka.consumer = (config) => {
      const c = consumer.call(kafka, config);
      c.on(c.events.REQUEST_TIMEOUT, signal);
      return c;
    };
    kafka.admin = (config) => {
      const c = admin.call(kafka, config);
      c.on(c.events.REQUEST_TIMEOUT, signal);
      return c;
    };
    return kafka;
  }

  /** The principal's raw connection to `cluster`, shared by all its probes. */
  session(cluster: string, p: PrincipalModel): Promise<RawSession> {
    return this.memo(this.sessions, cluster, p.username, async () => {
      const s = await RawSession.open(this.brokers(cluster), this.credentials(p), {
        clientId: `${VERIFY_MARK}-${this.runId}`,
      });
      return { value: s, close: () => s.close() };
    });
  }

  adminSession(cluster: string): Promise<RawSession> {
    return this.memo(this.sessions, cluster, ADMIN_USER, async () => {
      const s = await RawSession.open(this.brokers(cluster), adminCredentials(this.secrets, cluster));
      return { value: s, close: () => s.close() };
    });
  }

  /**
   * Who reads the clusters' state (topics, configs, ACLs, SCRAM users, quotas): the read-only planner, once the
   * platform stack made it (its password is in the secret source); the admin before that.
   */
  readerCredentials(cluster: string): { username: string; password: string } {
    return this.secrets.get(secretNames.scram(PLANNER_USER))
      ? operatorCredentials(this.secrets, PLANNER_USER)
      : adminCredentials(this.secrets, cluster);
  }

  /** A kafkajs admin client as the reader (readerCredentials): describe requests only. */
  reader(cluster: string): Promise<Admin> {
    return this.adminClient(cluster, 'reader', this.readerCredentials(cluster));
  }

  /** The admin: for what only it may do (deleting the run's consumer groups, its probe topics). */
  admin(cluster: string): Promise<Admin> {
    return this.adminClient(cluster, '', adminCredentials(this.secrets, cluster));
  }

  private adminClient(cluster: string, key: string, creds: { username: string; password: string }): Promise<Admin> {
    return this.memo(this.admins, cluster, key, async () => {
      const admin = this.watch(
        cluster,
        kafkaClient(this.brokers(cluster), creds, {
          clientId: `${VERIFY_MARK}-${this.runId}`,
          retries: 1,
          connectionTimeoutMs: 3000,
          requestTimeoutMs: 10_000,
        }),
      ).admin();
      await admin.connect();
      return { value: admin, close: () => admin.disconnect() };
    });
  }

  /** A plain kafkajs producer as the principal (what a tenant application without the SDK would use). */
  producer(cluster: string, p: PrincipalModel): Promise<Producer> {
    return this.memo(this.producers, cluster, p.username, async () => {
      const producer = this.kafka(cluster, p).producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
      await producer.connect();
      return { value: producer, close: () => producer.disconnect() };
    });
  }

  /** The runtime SDK's producer for a shared-tier principal (partition map, key and header rules, encryption). */
  tenantProducer(actor: Actor): Promise<TenantProducer> {
    const tenant = actor.tenant;
    if (!tenant) throw new Error(`internal error: ${actor.principal.username} is not a tenant principal`);
    return this.memo(this.tenantProducers, actor.cluster, actor.principal.username, async () => {
      const producer = new TenantProducer({
        tenant,
        keyProvider: this.keyProvider,
        partitionMap: this.partitionMap,
        kafka: this.kafka(actor.cluster, actor.principal),
        producerConfig: { allowAutoTopicCreation: false, retry: { retries: 1 } },
      });
      await producer.connect();
      return { value: producer, close: () => producer.disconnect() };
    });
  }

  /** Full topic name of a logical name a principal declares (own topics, or shared topics on the shared tier). */
  topicOf(actor: Actor, logical: string): TopicModel {
    const pool = actor.tenant && actor.tenant.tier !== 'shared' ? actor.tenant.topics : this.model.platform.topics;
    const t = pool.find((x) => x.logicalName === logical);
    if (!t) throw new Error(`internal error: ${actor.principal.username} declares unknown topic "${logical}"`);
    return t;
  }

  /** Topics, configs, ACLs and quota windows of a cluster as the admin sees them; loaded once per run. */
  snapshot(cluster: string): Promise<ClusterSnapshot> {
    return this.memo(this.snapshots, cluster, '', async () => ({
      value: await withDeadline(
        this.loadSnapshot(cluster),
        SNAPSHOT_DEADLINE_MS,
        `reading cluster ${cluster} as ${this.readerCredentials(cluster).username}`,
      ),
    }));
  }

  private async loadSnapshot(cluster: string): Promise<ClusterSnapshot> {
    const admin = await this.reader(cluster);
    const names = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const metadata = names.length ? (await admin.fetchTopicMetadata({ topics: names })).topics : [];
    const described = names.length
      ? (
          await admin.describeConfigs({
            includeSynonyms: false,
            resources: names.map((name) => ({ type: TOPIC_RESOURCE, name })),
          })
        ).resources
      : [];
    const topics = new Map<string, LiveTopic>();
    for (const t of metadata) {
      const cfg = described.find((r) => r.resourceName === t.name);
      topics.set(t.name, {
        partitions: t.partitions.length,
        replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
        partitionReplicas: t.partitions.map((p) => ({
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          offline: p.offlineReplicas ?? [],
        })),
        configs: new Map(
          (cfg?.configEntries ?? []).map((e) => [
            e.configName,
            { value: e.configValue, override: Number(e.configSource) === DYNAMIC_TOPIC_CONFIG },
          ]),
        ),
      });
    }
    const acls = await admin.describeAcls({
      resourceType: ANY,
      resourcePatternType: ANY,
      operation: ANY,
      permissionType: ANY,
    });
    const { brokers } = await admin.describeCluster();
    const node = brokers[0]?.nodeId;
    let quotaWindow = { samples: 11, seconds: 1 };
    if (node !== undefined) {
      const res = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: BROKER_RESOURCE, name: String(node), configNames: ['quota.window.num', 'quota.window.size.seconds'] },
        ],
      });
      const get = (k: string) => Number(res.resources[0]?.configEntries.find((e) => e.configName === k)?.configValue);
      const samples = get('quota.window.num');
      const seconds = get('quota.window.size.seconds');
      if (samples > 0 && seconds > 0) quotaWindow = { samples, seconds };
    }
    return { cluster, topics, acls: fromDescribeAcls(cluster, acls.resources), quotaWindow };
  }

  /** SCRAM users and client quotas of a cluster as the admin sees them; loaded once per run. */
  identities(cluster: string): Promise<IdentitySnapshot> {
    return this.memo(this.identitySnapshots, cluster, '', async () => ({
      value: await withDeadline(
        this.loadIdentities(cluster),
        SNAPSHOT_DEADLINE_MS,
        `reading the SCRAM users and quotas of cluster ${cluster} as ${this.readerCredentials(cluster).username}`,
      ),
    }));
  }

  private async loadIdentities(cluster: string): Promise<IdentitySnapshot> {
    const session = await this.memo(this.sessions, cluster, PLANNER_USER, async () => {
      const s = await RawSession.open(this.brokers(cluster), this.readerCredentials(cluster));
      return { value: s, close: () => s.close() };
    });
    const users = await session.describeScramUsers();
    const failed = users.filter((u) => u.errorCode !== 0);
    if (failed.length > 0) {
      // A user the broker could not describe is no answer about that user: the checks reading it cannot decide.
      throw new Error(
        `DescribeUserScramCredentials on ${cluster}: ${failed.map((u) => `${u.user}: error ${u.errorCode} ${u.errorMessage ?? ''}`.trim()).join('; ')}`,
      );
    }
    const quotas = await session.describeClientQuotas();
    return {
      cluster,
      scramUsers: new Map(
        users.map((u) => [u.user, [...u.credentials]] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ),
      quotas: quotas.filter((q) => Object.keys(q.values).length > 0),
    };
  }

  /** Register something to close at the end of the run. */
  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** Close everything the run opened. Bounded: what is still closing at the deadline finishes in the background. */
  async close(): Promise<void> {
    this.closed = true;
    const closers = this.closers.splice(0);
    await withDeadline(
      Promise.all(closers.map((c) => c().catch(() => undefined))),
      CLOSE_DEADLINE_MS,
      'closing the connections of the run',
    ).catch(() => undefined);
  }

  /**
   * One connection (or snapshot) per cluster and key, opened on first use. Nothing is opened on a cluster that
   * stopped answering: callers get `ClusterUnreachable` at once.
   */
  private memo<T>(
    cache: Map<string, Promise<T>>,
    cluster: string,
    name: string,
    create: () => Promise<{ value: T; close?: () => Promise<void> }>,
  ): Promise<T> {
    const down = this.health.unreachable(cluster);
    if (down) return Promise.reject(new ClusterUnreachable(down));
    const key = `${cluster}\n${name}`;
    let p = cache.get(key);
    if (!p) {
      p = create().then(({ value, close }) => {
        // Opened by a check the run had already abandoned: nobody will close it later.
        if (close && this.closed) void close().catch(() => undefined);
        else if (close) this.closers.push(close);
        return value;
      });
      // A failed connection is not cached: the next check tries again and reports its own error.
      p.catch(() => cache.delete(key));
      cache.set(key, p);
    }
    return p;
  }
}
