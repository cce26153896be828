/**
 * `TenantProducer`: the only way a tenant's application should write to the platform. Per record it
 *  1. builds the key `{tenantId}:{aggregateId}` and the `tenant-id` / `event-type` headers, refusing a
 *     caller-supplied `tenant-id` of another tenant (the producer never writes another tenant's id);
 *  2. takes tokens from the tenant's token bucket (`reject` → TenantRateLimitExceeded, `wait` → waits);
 *  3. encrypts the value when the tenant requires it (fail closed: no key provider, no producer);
 *  4. picks the partition from the partition map on shared topics (dedicated tenants → their partitions only,
 *     everyone else → the non-dedicated ones) and sets it explicitly on the message, so placement does not
 *     depend on which partitioner the wrapped kafkajs producer was built with.
 * Whole sends are validated before anything is rate-limited, encrypted or sent.
 */
import type { CompressionTypes, IHeaders, Kafka, Message, Producer, ProducerConfig, RecordMetadata } from 'kafkajs';
import { EnvelopeSealer } from './envelope';
import { EncryptionUnavailableError, InvalidRecordError, TenantMismatchError } from './errors';
import type { KeyProvider } from './key-provider';
import { HEADERS, assertTenantId, buildRecordKey, singleHeader } from './keys';
import type { PartitionMapIndex } from './partition-map';
import { createTenantPartitioner, partitionForRecord } from './partitioner';
import { type RateLimitMode, type TokenBucket, admit } from './rate-limiter';

/** What a tenant is, as far as its runtime clients care (a `TenantModel` fits). */
export interface TenantIdentity {
  readonly id: string;
  /** Records must be envelope-encrypted. */
  readonly encryption: boolean;
}

export interface TenantRecord {
  readonly topic: string;
  /** The entity the event is about; becomes the key `{tenantId}:{aggregateId}` (ordering is per aggregate). */
  readonly aggregateId: string;
  readonly eventType: string;
  readonly value: Buffer | string;
  /** Extra headers. `tenant-id` only with this producer's own tenant id; `event-type`, `enc-*` are the SDK's. */
  readonly headers?: IHeaders;
  readonly timestamp?: string;
}

export interface SendOptions {
  readonly acks?: number;
  readonly timeout?: number;
  readonly compression?: CompressionTypes;
}

export interface ProducerRateLimit {
  /** Typically `registry.forTenant(tenantId)`. One token per record. */
  readonly bucket: TokenBucket;
  /** `reject`: throw TenantRateLimitExceeded (with retryAfterMs); `wait`: wait for tokens. */
  readonly mode: RateLimitMode;
}

interface TenantProducerCommonOptions {
  readonly tenant: TenantIdentity;
  /** Required when `tenant.encryption` is true. */
  readonly keyProvider?: KeyProvider;
  /** Needed to write to shared topics; topics not in the map keep default partitioning. */
  readonly partitionMap?: PartitionMapIndex;
  /** @default - no client-side limit (broker quotas still apply) */
  readonly rateLimit?: ProducerRateLimit;
  /**
   * `record`: a fresh data key per record. `batch`: one data key per topic per `send`/`sendBatch` call (one key
   * wrap instead of one per record; same wire format).
   * @default 'batch'
   */
  readonly dataKeyScope?: 'record' | 'batch';
}

export type TenantProducerOptions = TenantProducerCommonOptions &
  (
    | {
        /** A producer built by the caller; it must keep kafkajs' default partitioner or use `createTenantPartitioner`. */
        readonly producer: Producer;
      }
    | {
        /** Build (and own) a producer from this client, with `createTenantPartitioner` when a map is given. */
        readonly kafka: Pick<Kafka, 'producer'>;
        readonly producerConfig?: Omit<ProducerConfig, 'createPartitioner'>;
      }
  );

const EVENT_TYPE_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface PreparedRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer | string;
  readonly headers: IHeaders;
  readonly partition: number | undefined;
  readonly timestamp?: string;
}

export class TenantProducer {
  readonly tenantId: string;
  readonly producer: Producer;
  private readonly encrypt: boolean;
  private readonly keyProvider: KeyProvider | undefined;
  private readonly partitionMap: PartitionMapIndex | undefined;
  private readonly rateLimit: ProducerRateLimit | undefined;
  private readonly dataKeyScope: 'record' | 'batch';

  constructor(options: TenantProducerOptions) {
    assertTenantId(options.tenant.id);
    this.tenantId = options.tenant.id;
    this.encrypt = options.tenant.encryption;
    this.keyProvider = options.keyProvider;
    if (this.encrypt && !this.keyProvider) {
      throw new EncryptionUnavailableError(
        `tenant "${this.tenantId}" requires encryption but no key provider was given; pass keyProvider ` +
          `(e.g. LocalKeyring.openOrCreate) — records are never sent unencrypted`,
      );
    }
    this.partitionMap = options.partitionMap;
    this.rateLimit = options.rateLimit;
    this.dataKeyScope = options.dataKeyScope ?? 'batch';
    if ('producer' in options) {
      this.producer = options.producer;
    } else {
      this.producer = options.kafka.producer({
        ...options.producerConfig,
        ...(this.partitionMap ? { createPartitioner: createTenantPartitioner(this.partitionMap) } : {}),
      });
    }
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  send(record: TenantRecord, options: SendOptions = {}): Promise<RecordMetadata[]> {
    return this.sendBatch([record], options);
  }

  /** Send records (any topics) in one kafkajs `sendBatch`. All or nothing is validated before anything is sent. */
  async sendBatch(records: readonly TenantRecord[], options: SendOptions = {}): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    const prepared = records.map((r) => this.prepare(r));
    if (this.rateLimit) await admit(this.rateLimit.bucket, this.tenantId, prepared.length, this.rateLimit.mode);
    const messages = await this.toMessages(prepared);
    const byTopic = new Map<string, Message[]>();
    prepared.forEach((p, i) => {
      const list = byTopic.get(p.topic) ?? [];
      list.push(messages[i]!);
      byTopic.set(p.topic, list);
    });
    return this.producer.sendBatch({
      ...options,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
    });
  }

  private prepare(record: TenantRecord): PreparedRecord {
    const { topic, aggregateId, eventType, value, headers = {}, timestamp } = record;
    if (typeof topic !== 'string' || topic.length === 0) throw new InvalidRecordError('topic is empty');
    if (typeof eventType !== 'string' || !EVENT_TYPE_PATTERN.test(eventType)) {
      throw new InvalidRecordError(
        `event type ${JSON.stringify(String(eventType).slice(0, 64))} is invalid; use 1-255 printable ASCII ` +
          `characters without spaces, e.g. "order.placed"`,
      );
    }
    if (value === null || value === undefined) {
      throw new InvalidRecordError('value is missing; tombstones (null values) are not supported by TenantProducer');
    }
    const key = buildRecordKey(this.tenantId, aggregateId);

    const claimed = singleHeader(headers, HEADERS.tenantId);
    if (claimed !== undefined && claimed !== this.tenantId) {
      throw new TenantMismatchError(
        `caller-supplied tenant-id header ${claimed === 'multiple' ? '(repeated)' : JSON.stringify(claimed.slice(0, 64))} ` +
          `differs from this producer's tenant "${this.tenantId}"; a producer never writes another tenant's id`,
        { expectedTenant: this.tenantId, headerTenant: claimed, coordinates: { topic } },
      );
    }
    const claimedType = singleHeader(headers, HEADERS.eventType);
    if (claimedType !== undefined && claimedType !== eventType) {
      throw new InvalidRecordError(`the event-type header is set by the SDK from eventType; do not pass it in headers`);
    }
    for (const h of [HEADERS.encryptionVersion, HEADERS.encryptionKek]) {
      if (headers[h] !== undefined) {
        throw new InvalidRecordError(`header "${h}" is reserved for the SDK's encryption; do not pass it`);
      }
    }
    // Placed here, before any token is taken: a record with nowhere to go fails the whole send up front.
    const partition = this.partitionMap?.hasTopic(topic)
      ? partitionForRecord(this.partitionMap, topic, this.tenantId, key)
      : undefined;
    return {
      topic,
      key,
      value,
      partition,
      timestamp,
      headers: { ...headers, [HEADERS.tenantId]: this.tenantId, [HEADERS.eventType]: eventType },
    };
  }

  private async toMessages(prepared: readonly PreparedRecord[]): Promise<Message[]> {
    const sealers = new Map<string, EnvelopeSealer>();
    try {
      const out: Message[] = [];
      for (const p of prepared) {
        let value: Buffer | string = p.value;
        let headers = p.headers;
        if (this.encrypt) {
          const sealer = await this.sealerFor(p.topic, sealers);
          const sealed = sealer.seal(p.key, p.value);
          if (this.dataKeyScope === 'record') sealer.dispose();
          value = sealed.value;
          headers = { ...headers, ...sealed.headers };
        }
        out.push({
          key: p.key,
          value,
          headers,
          ...(p.partition === undefined ? {} : { partition: p.partition }),
          ...(p.timestamp === undefined ? {} : { timestamp: p.timestamp }),
        });
      }
      return out;
    } finally {
      for (const s of sealers.values()) s.dispose();
    }
  }

  private async sealerFor(topic: string, sealers: Map<string, EnvelopeSealer>): Promise<EnvelopeSealer> {
    const ctx = { tenantId: this.tenantId, topic };
    if (this.dataKeyScope === 'record') return EnvelopeSealer.create(this.keyProvider!, ctx);
    let sealer = sealers.get(topic);
    if (!sealer) {
      sealer = await EnvelopeSealer.create(this.keyProvider!, ctx);
      sealers.set(topic, sealer);
    }
    return sealer;
  }
}
