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
import { HEADERS, KEY_SEPARATOR, ORIGIN_HEADER_PREFIX, assertAggregateId, assertTenantId, singleHeader } from './keys';
import type { PartitionMapIndex } from './partition-map';
import { createTenantPartitioner, pickPartition } from './partitioner';
import { type Clock, type RateLimitMode, type TokenBucket, admit, systemClock } from './rate-limiter';

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
  /**
   * Extra headers. `tenant-id` only with this producer's own tenant id; `event-type`, `enc-*` are the SDK's and
   * `kt-origin-*` the migration copier's.
   */
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
  /**
   * With `dataKeyScope: 'batch'`, let a topic's data key also serve later sends for up to this long: one wrap
   * (one KMS call) per topic per interval instead of one per send, which is what single-record `send` calls
   * pay otherwise. The tenant's current key is still asked for on every send, so a rotation takes effect at the
   * next send and a shredded tenant cannot send; a key is also replaced before MAX_RECORDS_PER_DATA_KEY records.
   * Each record still gets a fresh random nonce and its own AAD; the wire format is the same.
   * @default 0 - a fresh data key per send
   */
  readonly dataKeyMaxAgeMs?: number;
  /** Time source of `dataKeyMaxAgeMs`. @default systemClock */
  readonly clock?: Pick<Clock, 'now'>;
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
  readonly eventType: string;
  /** The caller's extra headers, already checked; the SDK's are added when the message is built. */
  readonly headers: IHeaders | undefined;
  readonly partition: number | undefined;
  readonly timestamp?: string;
}

/** `candidates` entry of a topic that is not in the partition map. */
const NOT_IN_MAP: readonly number[] = Object.freeze([]);
/** Bound on the per-topic caches (a producer writes a handful of topics; this only caps misuse). */
const MAX_CACHED_TOPICS = 1024;

export class TenantProducer {
  readonly tenantId: string;
  readonly producer: Producer;
  private readonly encrypt: boolean;
  private readonly keyProvider: KeyProvider | undefined;
  private readonly partitionMap: PartitionMapIndex | undefined;
  private readonly rateLimit: ProducerRateLimit | undefined;
  private readonly dataKeyScope: 'record' | 'batch';
  /** `{tenantId}:`, the prefix of every record key. */
  private readonly keyPrefix: string;
  /** Per topic: the tenant's partitions, or NOT_IN_MAP. */
  private readonly candidates = new Map<string, readonly number[]>();
  private readonly dataKeyMaxAgeMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  /** Per topic: the data key later sends may reuse (`dataKeyMaxAgeMs` > 0). */
  private readonly cachedSealers = new Map<string, { readonly sealer: EnvelopeSealer; readonly bornAt: number }>();
  /** Sends in flight per sealer: a sealer is disposed (its key zeroed) when none uses it and it is not cached. */
  private readonly leases = new Map<EnvelopeSealer, { topic: string; count: number }>();

  constructor(options: TenantProducerOptions) {
    assertTenantId(options.tenant.id);
    this.tenantId = options.tenant.id;
    this.keyPrefix = `${this.tenantId}${KEY_SEPARATOR}`;
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
    this.dataKeyMaxAgeMs = this.dataKeyScope === 'batch' ? (options.dataKeyMaxAgeMs ?? 0) : 0;
    if (!(this.dataKeyMaxAgeMs >= 0 && Number.isFinite(this.dataKeyMaxAgeMs))) {
      throw new RangeError(`dataKeyMaxAgeMs must be a finite number of at least 0, got ${options.dataKeyMaxAgeMs}`);
    }
    this.clock = options.clock ?? systemClock;
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
    const cached = [...this.cachedSealers.values()];
    this.cachedSealers.clear();
    for (const { sealer } of cached) if (!this.leases.has(sealer)) sealer.dispose();
    return this.producer.disconnect();
  }

  send(record: TenantRecord, options: SendOptions = {}): Promise<RecordMetadata[]> {
    return this.sendBatch([record], options);
  }

  /** Send records (any topics) in one kafkajs `sendBatch`. All or nothing is validated before anything is sent. */
  async sendBatch(records: readonly TenantRecord[], options: SendOptions = {}): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    const prepared: PreparedRecord[] = new Array<PreparedRecord>(records.length);
    for (let i = 0; i < records.length; i++) prepared[i] = this.prepare(records[i]!);
    // One charge for the whole send, not one per record.
    if (this.rateLimit) await admit(this.rateLimit.bucket, this.tenantId, prepared.length, this.rateLimit.mode);
    // Every data key is made (and wrapped) before the first record is sealed: no await per record.
    const sealers = this.encrypt ? await this.sealersFor(prepared) : undefined;
    const topicMessages: { topic: string; messages: Message[] }[] = [];
    try {
      const byTopic = new Map<string, Message[]>();
      for (let i = 0; i < prepared.length; i++) {
        const p = prepared[i]!;
        let list = byTopic.get(p.topic);
        if (!list) byTopic.set(p.topic, (list = []));
        list.push(this.toMessage(p, sealers?.[i]));
      }
      for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
    } finally {
      // Before the network round trip: data keys that are not cached are zeroed as soon as sealing is done.
      if (sealers) for (const s of new Set(sealers)) this.release(s);
    }
    return this.producer.sendBatch({ ...options, topicMessages });
  }

  private prepare(record: TenantRecord): PreparedRecord {
    const { topic, aggregateId, eventType, value, headers, timestamp } = record;
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
    // The tenant id was validated once, in the constructor; only the aggregate id is new per record.
    assertAggregateId(aggregateId);
    const key = this.keyPrefix + aggregateId;
    if (headers) this.checkCallerHeaders(headers, eventType, topic);
    // Placed here, before any token is taken: a record with nowhere to go fails the whole send up front.
    const candidates = this.candidatesFor(topic);
    return {
      topic,
      key,
      value,
      partition: candidates === undefined ? undefined : pickPartition(candidates, key),
      timestamp,
      headers,
      eventType,
    };
  }

  private checkCallerHeaders(headers: IHeaders, eventType: string, topic: string): void {
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
    // Only the platform's migration copier writes provenance: a tenant that could set it could make consumers open
    // its record under another topic's AAD (they accept declared origins only, but the claim is not the tenant's).
    for (const h of Object.keys(headers)) {
      if (h.startsWith(ORIGIN_HEADER_PREFIX) && headers[h] !== undefined) {
        throw new InvalidRecordError(
          `header "${h.slice(0, 64)}" is reserved for the platform's migration copier; do not pass it`,
        );
      }
    }
  }

  /**
   * The tenant's partitions of a shared topic (`undefined`: not in the map, default partitioning). The map is
   * immutable, so the answer is kept per topic; a topic where the tenant has nowhere to write is never kept and
   * throws on every record, as before.
   */
  private candidatesFor(topic: string): readonly number[] | undefined {
    const map = this.partitionMap;
    if (!map) return undefined;
    const known = this.candidates.get(topic);
    if (known !== undefined) return known === NOT_IN_MAP ? undefined : known;
    const found = map.hasTopic(topic) ? map.partitionsFor(topic, this.tenantId) : NOT_IN_MAP;
    if (this.candidates.size < MAX_CACHED_TOPICS) this.candidates.set(topic, found);
    return found === NOT_IN_MAP ? undefined : found;
  }

  private toMessage(p: PreparedRecord, sealer: EnvelopeSealer | undefined): Message {
    let value: Buffer | string = p.value;
    let headers: IHeaders;
    if (sealer) {
      const sealed = sealer.seal(p.key, p.value);
      if (this.dataKeyScope === 'record') sealer.dispose();
      value = sealed.value;
      headers = p.headers
        ? { ...p.headers, [HEADERS.tenantId]: this.tenantId, [HEADERS.eventType]: p.eventType, ...sealed.headers }
        : {
            [HEADERS.tenantId]: this.tenantId,
            [HEADERS.eventType]: p.eventType,
            [HEADERS.encryptionVersion]: sealed.headers[HEADERS.encryptionVersion],
            [HEADERS.encryptionKek]: sealed.headers[HEADERS.encryptionKek],
          };
    } else {
      headers = p.headers
        ? { ...p.headers, [HEADERS.tenantId]: this.tenantId, [HEADERS.eventType]: p.eventType }
        : { [HEADERS.tenantId]: this.tenantId, [HEADERS.eventType]: p.eventType };
    }
    const message: Message = { key: p.key, value, headers };
    if (p.partition !== undefined) message.partition = p.partition;
    if (p.timestamp !== undefined) message.timestamp = p.timestamp;
    return message;
  }

  /**
   * The sealer of each record: one per topic (`batch`, reused from an earlier send while `dataKeyMaxAgeMs`
   * allows) or one per record (`record`). Each returned sealer is leased until `release`.
   */
  private async sealersFor(prepared: readonly PreparedRecord[]): Promise<EnvelopeSealer[]> {
    const out: EnvelopeSealer[] = [];
    const byTopic = new Map<string, EnvelopeSealer>();
    const lease = (sealer: EnvelopeSealer, topic: string): EnvelopeSealer => {
      const l = this.leases.get(sealer);
      if (l) l.count++;
      else this.leases.set(sealer, { topic, count: 1 });
      return sealer;
    };
    try {
      // Asked on every send even when a cached key would do: rotation and shredding take effect at once.
      const currentKekId = this.dataKeyMaxAgeMs > 0 ? (await this.keyProvider!.currentKek(this.tenantId)).id : '';
      const perTopic = this.dataKeyMaxAgeMs > 0 ? countByTopic(prepared) : undefined;
      if (perTopic) this.sweepExpired();
      for (const p of prepared) {
        const ctx = { tenantId: this.tenantId, topic: p.topic };
        if (this.dataKeyScope === 'record') {
          out.push(lease(await EnvelopeSealer.create(this.keyProvider!, ctx), p.topic));
          continue;
        }
        let sealer = byTopic.get(p.topic);
        if (!sealer) {
          sealer = perTopic ? this.cachedSealer(p.topic, currentKekId, perTopic.get(p.topic)!) : undefined;
          if (!sealer) {
            sealer = await EnvelopeSealer.create(this.keyProvider!, ctx);
            if (perTopic) this.cache(p.topic, sealer);
          }
          byTopic.set(p.topic, lease(sealer, p.topic));
        }
        out.push(sealer);
      }
      return out;
    } catch (e) {
      for (const s of new Set(out)) this.release(s);
      throw e;
    }
  }

  private cachedSealer(topic: string, currentKekId: string, records: number): EnvelopeSealer | undefined {
    const hit = this.cachedSealers.get(topic);
    if (!hit) return undefined;
    const fresh = this.clock.now() - hit.bornAt < this.dataKeyMaxAgeMs;
    if (fresh && hit.sealer.kekId === currentKekId && hit.sealer.remaining >= records) return hit.sealer;
    this.uncache(topic);
    return undefined;
  }

  private cache(topic: string, sealer: EnvelopeSealer): void {
    this.uncache(topic);
    if (this.cachedSealers.size >= MAX_CACHED_TOPICS) this.uncache(this.cachedSealers.keys().next().value!);
    this.cachedSealers.set(topic, { sealer, bornAt: this.clock.now() });
  }

  /** Zero the data keys that have outlived `dataKeyMaxAgeMs`, also of topics this send does not write. */
  private sweepExpired(): void {
    const now = this.clock.now();
    for (const [topic, { bornAt }] of this.cachedSealers) {
      if (now - bornAt >= this.dataKeyMaxAgeMs) this.uncache(topic);
    }
  }

  private uncache(topic: string): void {
    const old = this.cachedSealers.get(topic);
    if (!old) return;
    this.cachedSealers.delete(topic);
    if (!this.leases.has(old.sealer)) old.sealer.dispose();
  }

  private release(sealer: EnvelopeSealer): void {
    const l = this.leases.get(sealer);
    if (l && --l.count > 0) return;
    this.leases.delete(sealer);
    if (this.cachedSealers.get(l?.topic ?? '')?.sealer !== sealer) sealer.dispose();
  }
}

function countByTopic(prepared: readonly PreparedRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of prepared) counts.set(p.topic, (counts.get(p.topic) ?? 0) + 1);
  return counts;
}
