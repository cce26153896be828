/**
 * Consumers that check every record's tenant before anything else touches it.
 *
 * `TenantConsumer` reads for ONE tenant: a record is admitted only if it has exactly one `tenant-id` header, a
 * key `{tenantId}:{aggregateId}`, and both name the expected tenant. Only then is it decrypted (fail closed:
 * a record of a tenant that requires encryption and arrives in clear text is rejected) and handed to the
 * handler. Group ids are always `<tenant>.<group>`.
 *
 * `PlatformConsumer` reads a shared topic with records of many tenants: the `tenant-id` header must equal the key
 * prefix and name a known tenant; the record is decrypted with that tenant's key.
 *
 * Records a declared tier migration copied into the topic carry `kt-origin-topic`; with `acceptedOrigins` they are
 * opened with that origin in the AAD (see `aadTopic` in envelope.ts), any other origin is rejected.
 *
 * Rejected records are counted, logged without payload (and without aggregate id), passed to `onRejected`
 * (e.g. for a dead-letter topic), and skipped: a poisoned record must not block its partition forever. Errors
 * that are not about the record (a key provider that is down, a failing handler) are rethrown so kafkajs
 * retries.
 *
 * Dedicated mode (`dedicated: true`) reads exactly the tenant's dedicated partitions of shared topics. kafkajs
 * has no `assign()`, so it joins the tenant's consumer group with a custom partition assigner as the ONLY
 * assigner: the group leader hands the tenant's partitions (round-robin over the members, so one member gets
 * all of them) and nothing else; unassigned partitions are never fetched. Its protocol name includes the tenant
 * id, so a member with another assigner cannot join the group (the broker answers INCONSISTENT_GROUP_PROTOCOL).
 * Kafka ACLs cannot restrict a principal to partitions: this is placement and throughput, not a security
 * boundary; the record checks above still apply to every record.
 *
 * Shared-tier tenants may write shared topics but never READ them, so on the platform the dedicated consumer of
 * a high-volume tenant runs with a platform consumer principal: `PlatformConsumer` with `dedicatedTo: '<tenant>'`
 * uses the same assigner under the platform's own group id (`platform.<name>.…`) and admits only that
 * tenant's records.
 */
import {
  type Admin,
  AssignerProtocol,
  type Consumer,
  type ConsumerConfig,
  type EachMessagePayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type PartitionAssigner,
  type SeekEntry,
} from 'kafkajs';
import { type AcceptedOrigins, DataKeyCache, aadTopic, isEncrypted, openRecord, recordKekId } from './envelope';
import {
  DecryptionError,
  EncryptionUnavailableError,
  PartitionAssignmentError,
  type RecordCoordinates,
  TenantMismatchError,
  UnencryptedRecordError,
  truncate,
} from './errors';
import type { KeyProvider } from './key-provider';
import {
  HEADERS,
  VERIFICATION_MARKER_HEADER,
  assertTenantId,
  keyTenantPrefix,
  singleHeader,
  tenantGroupId,
  tryParseRecordKey,
} from './keys';
import type { PartitionMapIndex } from './partition-map';
import type { TenantIdentity } from './producer';

/** A record that passed every check, with its value decrypted. */
export interface ConsumedRecord {
  readonly tenantId: string;
  readonly aggregateId: string;
  /** `{tenantId}:{aggregateId}` */
  readonly key: string;
  readonly eventType: string | undefined;
  /** Plaintext (decrypted if the record was encrypted). */
  readonly value: Buffer | null;
  /** Headers as received, including `tenant-id`, `event-type` and the `enc-*` headers. */
  readonly headers: IHeaders;
  readonly encrypted: boolean;
  readonly kekVersion: number | undefined;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
}

export type RecordHandler = (record: ConsumedRecord) => Promise<void>;

/** Errors for which a record is rejected (and skipped) rather than retried. */
export type RecordRejection = TenantMismatchError | UnencryptedRecordError | DecryptionError;
export type RejectionCode = RecordRejection['code'];

export function isRecordRejection(e: unknown): e is RecordRejection {
  return e instanceof TenantMismatchError || e instanceof UnencryptedRecordError || e instanceof DecryptionError;
}

export interface ConsumerMetricsSnapshot {
  readonly accepted: number;
  /** Records of `kafka-tenancy verify` runs, skipped (see `skipVerificationRecords`). */
  readonly skippedVerification: number;
  readonly rejected: Readonly<Record<RejectionCode, number>>;
}

/** Structured logger; kafkajs-style (message + fields). */
export interface SdkLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

/** One JSON line per event on stderr. */
export const stderrLogger: SdkLogger = {
  warn: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'WARN', logger: 'kafka-tenancy.sdk', message, ...fields })}\n`);
  },
};

interface GateOptions {
  readonly kafka: Pick<Kafka, 'consumer'>;
  readonly keyProvider?: KeyProvider;
  readonly consumerConfig?: Omit<ConsumerConfig, 'groupId' | 'partitionAssigners'>;
  /** @default stderrLogger */
  readonly logger?: SdkLogger;
  /**
   * Unwrapped data keys kept so records sharing one (batch) data key cost one unwrap; 0 disables.
   * @default 1024
   */
  readonly dataKeyCacheSize?: number;
  /**
   * Skip records carrying the verification marker header (written by `kafka-tenancy verify`), counting them in
   * `metrics().skippedVerification`; they never reach the handler.
   * @default true
   */
  readonly skipVerificationRecords?: boolean;
  /**
   * Records copied by a declared tier migration (shared → topic-per-tenant): for each topic read, the shared topics
   * its records may have come from. A record with a `kt-origin-topic` header naming one of them is opened with that
   * topic in the AAD (the copier moves ciphertext byte for byte, it holds no keys); any other origin is rejected
   * (`decryption_failed`, reason `context_mismatch`), so a ciphertext still cannot be replayed from an undeclared
   * topic or from another tenant. Records without the header are opened with their own topic.
   * @default - no origins: every record carrying a `kt-origin-topic` header is rejected
   */
  readonly acceptedOrigins?: AcceptedOrigins;
  /** Called for every rejected record after it was counted and logged (e.g. to write a dead-letter record). */
  readonly onRejected?: (error: RecordRejection, coordinates: Required<RecordCoordinates>) => void | Promise<void>;
}

export interface RunOptions {
  readonly partitionsConsumedConcurrently?: number;
  readonly autoCommit?: boolean;
}

/** The checks and the bookkeeping shared by TenantConsumer and PlatformConsumer. */
abstract class GuardedConsumer {
  readonly groupId: string;
  /** The wrapped kafkajs consumer, for instrumentation events; do not call `run` on it directly. */
  readonly consumer: Consumer;
  protected readonly keyProvider: KeyProvider | undefined;
  private readonly logger: SdkLogger;
  private readonly onRejected: GateOptions['onRejected'];
  private readonly dataKeys: DataKeyCache;
  private readonly acceptedOrigins: AcceptedOrigins | undefined;
  private accepted = 0;
  private skippedVerification = 0;
  private readonly skipVerificationRecords: boolean;
  private readonly rejected: Record<RejectionCode, number> = {
    tenant_mismatch: 0,
    unencrypted_record: 0,
    decryption_failed: 0,
  };

  protected constructor(options: GateOptions, groupId: string, assigners?: PartitionAssigner[]) {
    this.groupId = groupId;
    this.keyProvider = options.keyProvider;
    this.logger = options.logger ?? stderrLogger;
    this.onRejected = options.onRejected;
    this.skipVerificationRecords = options.skipVerificationRecords ?? true;
    this.dataKeys = new DataKeyCache(options.dataKeyCacheSize ?? 1024);
    this.acceptedOrigins = options.acceptedOrigins;
    this.consumer = options.kafka.consumer({
      ...options.consumerConfig,
      groupId,
      ...(assigners ? { partitionAssigners: assigners } : {}),
    });
  }

  /** Who the record must belong to and whether it must be encrypted; throws TenantMismatchError if no one. */
  protected abstract tenantFor(headerTenant: string, coordinates: RecordCoordinates): TenantIdentity;
  protected abstract expectedTenant(): string | undefined;

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  metrics(): ConsumerMetricsSnapshot {
    return { accepted: this.accepted, skippedVerification: this.skippedVerification, rejected: { ...this.rejected } };
  }

  /** Start consuming; `handler` sees only records that passed every check. */
  run(handler: RecordHandler, options: RunOptions = {}): Promise<void> {
    return this.consumer.run({
      ...options,
      eachMessage: (payload) => this.handle(payload, handler),
    });
  }

  /** Check, decrypt and dispatch one fetched message. `run` calls this for every message. */
  async handle(
    payload: Pick<EachMessagePayload, 'topic' | 'partition' | 'message'>,
    handler: RecordHandler,
  ): Promise<void> {
    const coordinates = { topic: payload.topic, partition: payload.partition, offset: payload.message.offset };
    if (this.skipVerificationRecords && payload.message.headers?.[VERIFICATION_MARKER_HEADER] !== undefined) {
      this.skippedVerification++;
      return;
    }
    let record: ConsumedRecord;
    try {
      record = await this.admit(payload.topic, payload.partition, payload.message);
    } catch (e) {
      if (!isRecordRejection(e)) throw e;
      await this.reject(e, coordinates);
      return;
    }
    this.accepted++;
    await handler(record);
  }

  private async admit(topic: string, partition: number, message: KafkaMessage): Promise<ConsumedRecord> {
    const coordinates = { topic, partition, offset: message.offset };
    const headers: IHeaders = message.headers ?? {};
    const expected = this.expectedTenant();
    const headerTenant = singleHeader(headers, HEADERS.tenantId);
    const key = tryParseRecordKey(message.key);
    const details = {
      expectedTenant: expected,
      // attacker-controlled: truncated before it goes into messages and logs
      headerTenant:
        headerTenant === 'multiple'
          ? '(repeated header)'
          : headerTenant === undefined
            ? undefined
            : truncate(headerTenant),
      keyTenant: keyTenantPrefix(message.key),
      coordinates,
    };
    if (headerTenant === undefined || headerTenant === 'multiple') {
      throw new TenantMismatchError('record does not carry exactly one tenant-id header; rejected', details);
    }
    if (!key) {
      throw new TenantMismatchError('record key is not "{tenantId}:{aggregateId}"; rejected', details);
    }
    if (key.tenantId !== headerTenant) {
      throw new TenantMismatchError(
        `tenant-id header "${details.headerTenant}" does not match the key prefix "${details.keyTenant}"; rejected`,
        details,
      );
    }
    if (expected !== undefined && headerTenant !== expected) {
      throw new TenantMismatchError(
        `record of tenant "${details.headerTenant}" on a consumer of tenant "${expected}"; rejected`,
        details,
      );
    }
    const tenant = this.tenantFor(headerTenant, coordinates);
    // Checked on clear-text records too: a provenance claim nobody declared is refused whatever it would unlock.
    const envelopeTopic = aadTopic(topic, headers, this.acceptedOrigins);

    let value = message.value;
    let kekVersion: number | undefined;
    const encrypted = isEncrypted(headers);
    if (encrypted) {
      const kek = recordKekId(headers);
      if (kek && kek.tenantId !== tenant.id) {
        throw new TenantMismatchError(
          `record of tenant "${tenant.id}" is encrypted with a key of tenant "${kek.tenantId}"; rejected`,
          { ...details, headerTenant: tenant.id },
        );
      }
      if (!this.keyProvider) {
        throw new DecryptionError(
          'key_unavailable',
          `record of tenant "${tenant.id}" is encrypted and this consumer has no key provider`,
        );
      }
      const opened = await openRecord(
        this.keyProvider,
        { tenantId: tenant.id, topic: envelopeTopic },
        message.key!,
        value,
        headers,
        this.dataKeys,
      );
      value = opened.plaintext;
      kekVersion = opened.kekVersion;
    } else if (tenant.encryption) {
      throw new UnencryptedRecordError(tenant.id, coordinates);
    }
    const eventType = singleHeader(headers, HEADERS.eventType);
    return {
      tenantId: tenant.id,
      aggregateId: key.aggregateId,
      key: `${key.tenantId}:${key.aggregateId}`,
      eventType: eventType === 'multiple' ? undefined : eventType,
      value,
      headers,
      encrypted,
      kekVersion,
      topic,
      partition,
      offset: message.offset,
      timestamp: message.timestamp,
    };
  }

  private async reject(error: RecordRejection, coordinates: Required<RecordCoordinates>): Promise<void> {
    this.rejected[error.code]++;
    // Never the value, never the aggregate id: only where the record is and which tenants it claimed.
    this.logger.warn('record rejected', {
      code: error.code,
      security: error.security,
      ...(error instanceof DecryptionError ? { reason: error.reason } : {}),
      groupId: this.groupId,
      topic: coordinates.topic,
      partition: coordinates.partition,
      offset: coordinates.offset,
      ...(error instanceof TenantMismatchError
        ? { expectedTenant: error.expectedTenant, headerTenant: error.headerTenant, keyTenant: error.keyTenant }
        : {}),
      ...(error instanceof UnencryptedRecordError ? { tenant: error.tenantId } : {}),
      error: error.message,
    });
    if (this.onRejected) await this.onRejected(error, coordinates);
  }
}

export interface TenantConsumerOptions extends GateOptions {
  readonly tenant: TenantIdentity;
  /** Consumer group name; the SDK uses `<tenant>.<group>` (a name already starting with `<tenant>.` is kept). */
  readonly group: string;
  /** Needed for shared topics: to refuse them in normal mode, and to know the partitions in dedicated mode. */
  readonly partitionMap?: PartitionMapIndex;
  /**
   * Read only the tenant's dedicated partitions of shared topics (high-volume tenants). Needs a principal that
   * may READ the shared topic: on this platform only platform consumers may, so there it is
   * `PlatformConsumer` with `dedicatedTo` that runs a tenant's dedicated consumer.
   * @default false
   */
  readonly dedicated?: boolean;
}

export class TenantConsumer extends GuardedConsumer {
  readonly tenant: TenantIdentity;
  private readonly partitionMap: PartitionMapIndex | undefined;
  private readonly dedicated: boolean;

  constructor(options: TenantConsumerOptions) {
    assertTenantId(options.tenant.id);
    if (options.tenant.encryption && !options.keyProvider) {
      throw new EncryptionUnavailableError(
        `tenant "${options.tenant.id}" requires encryption but no key provider was given; pass keyProvider`,
      );
    }
    const dedicated = options.dedicated ?? false;
    if (dedicated && !options.partitionMap) {
      throw new PartitionAssignmentError('dedicated mode needs the partition map (partitionMap)');
    }
    super(
      options,
      tenantGroupId(options.tenant.id, options.group),
      dedicated ? [dedicatedPartitionAssigner(options.partitionMap!, options.tenant.id)] : undefined,
    );
    this.tenant = options.tenant;
    this.partitionMap = options.partitionMap;
    this.dedicated = dedicated;
  }

  /**
   * Subscribe to topics. In dedicated mode every topic must be a shared topic on which the tenant has dedicated
   * partitions. In normal mode shared topics are refused: their records belong to many tenants (use
   * PlatformConsumer, or dedicated mode).
   */
  async subscribe(topics: readonly string[], options: { fromBeginning?: boolean } = {}): Promise<void> {
    if (this.dedicated) assertDedicatedTopics(this.partitionMap!, this.tenant.id, topics);
    for (const topic of topics) {
      const shared = this.partitionMap?.hasTopic(topic) ?? false;
      if (!this.dedicated && shared) {
        throw new PartitionAssignmentError(
          `"${topic}" is a shared topic with records of many tenants; read it with PlatformConsumer, or with ` +
            `dedicated: true for a tenant that has dedicated partitions`,
        );
      }
    }
    await this.consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? false });
  }

  protected expectedTenant(): string {
    return this.tenant.id;
  }

  protected tenantFor(): TenantIdentity {
    return this.tenant;
  }
}

export interface PlatformConsumerOptions extends GateOptions {
  /** Full group id of the platform consumer (it is not a tenant, so no tenant prefix applies). */
  readonly groupId: string;
  /** Every tenant whose records may appear; records claiming any other tenant are rejected. */
  readonly tenants: readonly TenantIdentity[];
  /**
   * Run the dedicated consumer of this tenant (one of `tenants`) under the platform's own `groupId`: read only
   * its dedicated partitions of shared topics, with the same assigner as `TenantConsumer`'s dedicated mode, and
   * reject records of any other tenant found there. For high-volume tenants: tenants cannot READ shared topics
   * and ACLs cannot grant single partitions, so a platform principal runs their dedicated consumer.
   * Needs `partitionMap`.
   * @default - every partition, records of every tenant in `tenants`
   */
  readonly dedicatedTo?: string;
  /** Required with `dedicatedTo`: which partitions are the tenant's. */
  readonly partitionMap?: PartitionMapIndex;
}

export class PlatformConsumer extends GuardedConsumer {
  /** The tenant whose dedicated partitions this consumer reads, if it is a dedicated consumer. */
  readonly dedicatedTo: string | undefined;
  private readonly tenants: ReadonlyMap<string, TenantIdentity>;
  private readonly partitionMap: PartitionMapIndex | undefined;

  constructor(options: PlatformConsumerOptions) {
    options.tenants.forEach((t) => assertTenantId(t.id));
    const encrypted = options.tenants.filter((t) => t.encryption).map((t) => t.id);
    if (encrypted.length > 0 && !options.keyProvider) {
      throw new EncryptionUnavailableError(
        `tenants ${encrypted.map((t) => `"${t}"`).join(', ')} require encryption but no key provider was given`,
      );
    }
    const dedicatedTo = options.dedicatedTo;
    if (dedicatedTo !== undefined) {
      assertTenantId(dedicatedTo);
      if (!options.partitionMap) {
        throw new PartitionAssignmentError('dedicatedTo needs the partition map (partitionMap)');
      }
      if (!options.tenants.some((t) => t.id === dedicatedTo)) {
        throw new PartitionAssignmentError(
          `dedicatedTo "${dedicatedTo}" is not one of tenants; pass its identity in tenants (it says whether ` +
            `its records are encrypted)`,
        );
      }
    }
    super(
      options,
      options.groupId,
      dedicatedTo === undefined ? undefined : [dedicatedPartitionAssigner(options.partitionMap!, dedicatedTo)],
    );
    this.dedicatedTo = dedicatedTo;
    this.tenants = new Map(options.tenants.map((t) => [t.id, t]));
    this.partitionMap = options.partitionMap;
  }

  /** With `dedicatedTo`, every topic must be a shared topic on which that tenant has dedicated partitions. */
  async subscribe(topics: readonly string[], options: { fromBeginning?: boolean } = {}): Promise<void> {
    if (this.dedicatedTo !== undefined) assertDedicatedTopics(this.partitionMap!, this.dedicatedTo, topics);
    await this.consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? false });
  }

  protected expectedTenant(): string | undefined {
    return this.dedicatedTo;
  }

  protected tenantFor(headerTenant: string, coordinates: RecordCoordinates): TenantIdentity {
    const tenant = this.tenants.get(headerTenant);
    if (!tenant) {
      throw new TenantMismatchError(`record claims unknown tenant "${headerTenant.slice(0, 64)}"; rejected`, {
        headerTenant,
        keyTenant: headerTenant,
        coordinates,
      });
    }
    return tenant;
  }
}

/** Dedicated mode reads only dedicated partitions: every topic must have some for the tenant. */
function assertDedicatedTopics(map: PartitionMapIndex, tenantId: string, topics: readonly string[]): void {
  for (const topic of topics) {
    if (!map.hasTopic(topic) || map.dedicatedPartitions(topic, tenantId).length === 0) {
      throw new PartitionAssignmentError(
        `tenant "${tenantId}" has no dedicated partitions on "${topic}" in the partition map; ` +
          `dedicated mode reads only dedicated partitions`,
      );
    }
  }
}

/** Protocol name of the dedicated assigner; includes the tenant so no other tenant's member can join. */
export function dedicatedAssignerName(tenantId: string): string {
  return `kafka-tenancy-dedicated-${tenantId}`;
}

/**
 * A kafkajs partition assigner that assigns exactly `tenantId`'s dedicated partitions of each subscribed topic
 * (round-robin over the sorted members) and no other partition to anyone.
 */
export function dedicatedPartitionAssigner(map: PartitionMapIndex, tenantId: string): PartitionAssigner {
  const name = dedicatedAssignerName(tenantId);
  const version = 1;
  return ({ cluster }) => ({
    name,
    version,
    async assign({ members, topics }) {
      const memberIds = members.map((m) => m.memberId).sort();
      const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
      for (const topic of [...topics].sort()) {
        const partitions = map.hasTopic(topic) ? map.dedicatedPartitions(topic, tenantId) : [];
        if (partitions.length === 0) {
          throw new PartitionAssignmentError(`tenant "${tenantId}" has no dedicated partitions on "${topic}"`);
        }
        const known = new Set(cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId));
        const missing = partitions.filter((p) => !known.has(p));
        if (missing.length > 0) {
          throw new PartitionAssignmentError(
            `dedicated partitions [${missing.join(', ')}] of "${topic}" do not exist on the cluster; apply the platform stack`,
          );
        }
        partitions.forEach((p, i) => {
          const member = assignment.get(memberIds[i % memberIds.length]!)!;
          (member[topic] ??= []).push(p);
        });
      }
      return memberIds.map((memberId) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version,
          assignment: assignment.get(memberId)!,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}

export type ReplayFrom = number | 'earliest';

export interface ReplayOptions {
  /**
   * With a partition map, replaying a shared topic on which the tenant has dedicated partitions touches only
   * those partitions.
   */
  readonly partitionMap?: PartitionMapIndex;
}

/**
 * Rewind the tenant's consumer group `<tenant>.<group>` on `topic` to `from` (a timestamp in ms, or the earliest
 * retained offset). Only that group's offsets change; no other tenant's group is ever touched. The group must
 * have no running members (kafkajs refuses otherwise).
 */
export async function replayTenant(
  admin: Pick<Admin, 'setOffsets' | 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp'>,
  tenantId: string,
  group: string,
  topic: string,
  from: ReplayFrom,
  options: ReplayOptions = {},
): Promise<{ groupId: string; partitions: SeekEntry[] }> {
  const groupId = tenantGroupId(tenantId, group);
  let entries: SeekEntry[];
  if (from === 'earliest') {
    entries = (await admin.fetchTopicOffsets(topic)).map(({ partition, low }) => ({ partition, offset: low }));
  } else {
    if (!Number.isFinite(from) || from < 0)
      throw new RangeError(`replay timestamp must be ms since epoch, got ${from}`);
    entries = (await admin.fetchTopicOffsetsByTimestamp(topic, from)).map(({ partition, offset }) => ({
      partition,
      offset,
    }));
  }
  const only = options.partitionMap?.hasTopic(topic) ? options.partitionMap.dedicatedPartitions(topic, tenantId) : [];
  if (only.length > 0) entries = entries.filter((e) => only.includes(e.partition));
  entries.sort((a, b) => a.partition - b.partition);
  if (entries.length === 0) throw new PartitionAssignmentError(`no partitions of "${topic}" to replay`);
  await admin.setOffsets({ groupId, topic, partitions: entries });
  return { groupId, partitions: entries };
}
