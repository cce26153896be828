/**
 * Tier migration, shared → topic-per-tenant: copy one tenant's records out of the shared topics
 * (`shared.orders.placed`) into its own topics (`acme.orders.placed`) on the same cluster, as a platform principal.
 *
 * - **Only the tenant's records.** A record is copied when its key prefix and its exactly-one `tenant-id` header
 *   both name the tenant. Records of other tenants are skipped; records whose key and header disagree or are
 *   malformed (or that already claim a provenance, `kt-origin-*`) are `suspicious`: never copied, counted and
 *   reported by coordinates (never payload, never aggregate id).
 * - **Nothing is decrypted.** Key, value and headers are copied byte for byte, plus `kt-origin-topic` (the shared
 *   topic, which the envelope's AAD names: consumers open the record with it when the migration is declared, see
 *   `aadTopic` in src/sdk/envelope.ts) and `kt-origin-offset` (`<partition>/<offset>`, for tracing). The copier
 *   holds no tenant key: re-encrypting would need every migrating tenant's keys in one process.
 * - **Per-key order.** The target partition is the one the SDK producer would pick on a topic-per-tenant topic
 *   (kafkajs' default partitioner, i.e. `pickPartition` over all partitions by key). A key lives in one source
 *   partition (the shared-topic partitioner is deterministic by key), each source partition is processed
 *   sequentially, so a key's records reach their one target partition in source order.
 * - **Exactly once, restartable.** One Kafka transaction per fetched batch (transactional id and consumer group
 *   `platform.migration.<tenant>`): the copied records and the batch's next source offset (`sendOffsets`) commit
 *   atomically. A copier killed mid-batch leaves an open transaction; its successor's InitProducerId (same
 *   transactional id) fences it and aborts it, and the successor resumes from the committed offsets, so read_committed
 *   readers of the target never see a record twice. kafkajs 2.2.4 speaks InitProducerId / AddPartitionsToTxn /
 *   AddOffsetsToTxn / EndTxn / TxnOffsetCommit v1, which Kafka 4.x accepts (../shared/notes/harness.md B.2; the
 *   local harness already warms up a transaction on every cluster).
 *
 * Every broker call has a deadline (src/kafka/deadline.ts); a run that stops making progress while behind fails
 * (`stallTimeoutMs`) instead of hanging. Any failure ends the run with an error: restarting is always safe.
 *
 * Limits: source topics must be written non-transactionally (the shared tier's TenantProducer is); a key that moved
 * between source partitions (a changed partition map) keeps per-partition, not global, order; two routes into one
 * target interleave by batch.
 */
import type { EachBatchPayload, IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import { ValidationError, type Problem } from '../errors';
import {
  type ClientCredentials,
  type ClientOptions,
  type Endpoint,
  kafkaClient,
  kafkaErrorType,
} from '../kafka/client';
import { DeadlineExceeded, withDeadline } from '../kafka/deadline';
import {
  HEADERS,
  ORIGIN_HEADER_PREFIX,
  assertTenantId,
  isValidTenantId,
  keyTenantPrefix,
  pickPartition,
  singleHeader,
  tryParseRecordKey,
} from '../sdk';

/** One shared topic copied into one of the tenant's own topics. */
export interface CopyRoute {
  /** Shared topic, e.g. `shared.orders.placed`. */
  readonly source: string;
  /** The tenant's topic, e.g. `acme.orders.placed`; must exist with `targetPartitions` partitions. */
  readonly target: string;
  /** Partition count of the target; checked against the cluster before anything is copied. */
  readonly targetPartitions: number;
}

/**
 * `until-caught-up`: stop once every source partition reached the end offset observed at start (the final drain,
 * after the tenant's producers stopped writing the shared topics). `follow`: run until the signal aborts.
 */
export type CopyMode = 'until-caught-up' | 'follow';

export interface CopyOptions {
  readonly endpoint: Endpoint;
  /** A platform principal that may read the shared topics and write the tenant's (the cluster's admin login). */
  readonly credentials: ClientCredentials;
  readonly tenantId: string;
  readonly routes: readonly CopyRoute[];
  readonly mode: CopyMode;
  /** Called after every committed batch and every `progressIntervalMs`. */
  readonly onProgress?: (progress: CopyProgress) => void;
  /** Deadline of every single broker call. @default 30_000 */
  readonly callTimeoutMs?: number;
  /** How often end offsets are refreshed (follow mode) and progress is reported while idle. @default 1000 */
  readonly progressIntervalMs?: number;
  /** A run that is behind and commits nothing for this long fails. @default 120_000 */
  readonly stallTimeoutMs?: number;
  /** Fetch size per partition, i.e. the upper bound of one transaction's source batch. @default 524_288 */
  readonly maxBytesPerPartition?: number;
  /** Records per produce request inside a transaction. @default 500 */
  readonly maxRecordsPerSend?: number;
  /** kafkajs logging and client id. */
  readonly clientOptions?: Pick<ClientOptions, 'clientId' | 'logLevel' | 'logCreator'>;
}

export type SuspiciousReason =
  | 'malformed_key'
  | 'tenant_header_missing'
  | 'tenant_header_repeated'
  | 'header_key_mismatch'
  | 'origin_header_present';

/** Where a suspicious record is and whom it claimed; never its value, never its aggregate id. */
export interface SuspiciousRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly reason: SuspiciousReason;
  readonly headerTenant?: string;
  readonly keyTenant?: string;
}

export interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Next source offset to copy (the committed position). */
  readonly consumed: string;
  /** End offset: observed at start (`until-caught-up`) or last refreshed (`follow`). */
  readonly end: string;
}

export interface CopyProgress {
  readonly tenantId: string;
  readonly mode: CopyMode;
  readonly state: 'starting' | 'copying' | 'caught-up' | 'stopped';
  /** Every source partition is at its end offset. */
  readonly caughtUp: boolean;
  readonly partitions: readonly PartitionProgress[];
  /** Records copied (committed) by this run. */
  readonly copied: number;
  /** Records of other tenants passed over by this run. */
  readonly skipped: number;
  /** Suspicious records met by this run (never copied). */
  readonly suspicious: number;
  /** The first `MAX_REPORTED_SUSPICIOUS` of them. */
  readonly suspiciousRecords: readonly SuspiciousRecord[];
  readonly transactions: number;
  readonly startedAt: string;
  readonly updatedAt: string;
}

export const MAX_REPORTED_SUSPICIOUS = 100;

/** Transactional id and consumer group of a tenant's copier: one copier per tenant, a successor fences it. */
export function migrationId(tenantId: string): string {
  assertTenantId(tenantId);
  return `platform.migration.${tenantId}`;
}

export type RecordClass =
  | { readonly kind: 'copy' }
  | { readonly kind: 'other-tenant'; readonly tenantId: string }
  | {
      readonly kind: 'suspicious';
      readonly reason: SuspiciousReason;
      readonly headerTenant?: string;
      readonly keyTenant?: string;
    };

/**
 * What the copier does with a shared-topic record, for `tenantId`: copy it (key prefix and the one `tenant-id`
 * header both name the tenant), skip it (both name the same other tenant), or count it as suspicious (anything
 * else: no usable key, no or repeated header, header and key disagree, or a provenance header already present).
 */
export function classifyRecord(
  tenantId: string,
  key: Buffer | string | null | undefined,
  headers: IHeaders | undefined,
): RecordClass {
  const header = singleHeader(headers, HEADERS.tenantId);
  const keyTenant = keyTenantPrefix(key)?.slice(0, 64);
  const parsed = tryParseRecordKey(key);
  const headerTenant = header === undefined || header === 'multiple' ? undefined : header.slice(0, 64);
  const claims = { ...(headerTenant === undefined ? {} : { headerTenant }), ...(keyTenant ? { keyTenant } : {}) };
  if (header === undefined) return { kind: 'suspicious', reason: 'tenant_header_missing', ...claims };
  if (header === 'multiple') return { kind: 'suspicious', reason: 'tenant_header_repeated', ...claims };
  if (!parsed) return { kind: 'suspicious', reason: 'malformed_key', ...claims };
  if (parsed.tenantId !== header) return { kind: 'suspicious', reason: 'header_key_mismatch', ...claims };
  if (header !== tenantId) return { kind: 'other-tenant', tenantId: header };
  if (Object.keys(headers ?? {}).some((h) => h.startsWith(ORIGIN_HEADER_PREFIX) && headers![h] !== undefined)) {
    return { kind: 'suspicious', reason: 'origin_header_present', ...claims };
  }
  return { kind: 'copy' };
}

const partitionLists = new Map<number, readonly number[]>();

/**
 * The partition the SDK producer writes a key to on a topic-per-tenant topic of `partitions` partitions: such
 * topics are not in the partition map, so kafkajs' default partitioner places it, `murmur2(key) mod partitions`
 * over all partitions, which is `pickPartition` over `[0, partitions)`.
 */
export function targetPartitionFor(key: Buffer | string, partitions: number): number {
  let all = partitionLists.get(partitions);
  if (!all) partitionLists.set(partitions, (all = Array.from({ length: partitions }, (_, i) => i)));
  return pickPartition(all, key);
}

/** The target message of a copied record: key, value, headers and timestamp as they were, plus provenance. */
export function copiedMessage(route: CopyRoute, partition: number, message: KafkaMessage): Message {
  const key = message.key!;
  return {
    key,
    value: message.value,
    headers: {
      ...(message.headers ?? {}),
      [HEADERS.originTopic]: route.source,
      [HEADERS.originOffset]: `${partition}/${message.offset}`,
    },
    partition: targetPartitionFor(key, route.targetPartitions),
    timestamp: message.timestamp,
  };
}

/** Every problem with a copy's routes at once (`where`: the config file, or `copier options`). */
export function routeProblems(tenantId: string, routes: readonly CopyRoute[], where = 'copier options'): Problem[] {
  const problems: Problem[] = [];
  const problem = (path: string, code: string, message: string) => problems.push({ file: where, path, code, message });
  if (!isValidTenantId(tenantId)) problem('tenant', 'invalid_tenant_id', `"${String(tenantId)}" is not a tenant id`);
  if (!Array.isArray(routes) || routes.length === 0) {
    problem('routes', 'too_small', 'lists no routes; add { "source", "target", "targetPartitions" } entries');
    return problems;
  }
  const sources = new Set<string>();
  routes.forEach((r, i) => {
    const at = `routes[${i}]`;
    if (typeof r.source !== 'string' || !r.source.startsWith('shared.')) {
      problem(`${at}.source`, 'invalid', `must be a shared topic "shared.<name>", got ${JSON.stringify(r.source)}`);
    } else if (sources.has(r.source)) {
      problem(`${at}.source`, 'duplicate', `"${r.source}" is copied twice; copy each shared topic once`);
    }
    sources.add(r.source);
    if (
      typeof r.target !== 'string' ||
      !r.target.startsWith(`${tenantId}.`) ||
      r.target.length <= tenantId.length + 1
    ) {
      problem(
        `${at}.target`,
        'invalid',
        `must be a topic of tenant "${tenantId}" ("${tenantId}.<name>"), got ${JSON.stringify(r.target)}`,
      );
    }
    if (!Number.isInteger(r.targetPartitions) || r.targetPartitions < 1) {
      problem(
        `${at}.targetPartitions`,
        'too_small',
        `must be a whole number of at least 1, got ${JSON.stringify(r.targetPartitions)}`,
      );
    }
  });
  return problems;
}

/** Copy a tenant's records (see the file comment); resolves with the last progress when the run ends. */
export async function copyTenantRecords(opts: CopyOptions, signal?: AbortSignal): Promise<CopyProgress> {
  const problems = routeProblems(opts.tenantId, opts.routes);
  if (problems.length) throw new ValidationError(problems);
  const kafka = kafkaClient(opts.endpoint, opts.credentials, {
    clientId: opts.clientOptions?.clientId ?? migrationId(opts.tenantId),
    logLevel: opts.clientOptions?.logLevel,
    logCreator: opts.clientOptions?.logCreator,
    requestTimeoutMs: Math.min(opts.callTimeoutMs ?? 30_000, 30_000),
  });
  return new CopyRun(kafka, opts, signal).run();
}

/**
 * `work`, retried while the transaction coordinator answers CONCURRENT_TRANSACTIONS (the previous transaction's
 * markers are still being written: a matter of milliseconds). Bounded: 40 tries, at most 200 ms apart.
 */
async function retryConcurrentTransactions<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (attempt >= 40 || kafkaErrorType(e) !== 'CONCURRENT_TRANSACTIONS') throw e;
      await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const partKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** One run of the copier: its clients, positions and counters. */
class CopyRun {
  private readonly id: string;
  private readonly callMs: number;
  private readonly routes: ReadonlyMap<string, CopyRoute>;
  private readonly positions = new Map<string, { topic: string; partition: number; consumed: bigint; end: bigint }>();
  private readonly admin;
  private readonly producer;
  private readonly consumer;
  private state: CopyProgress['state'] = 'starting';
  private copied = 0;
  private skipped = 0;
  private suspicious = 0;
  private transactions = 0;
  private readonly suspiciousRecords: SuspiciousRecord[] = [];
  private readonly startedAt = new Date().toISOString();
  private lastCommitAt = Date.now();
  private readonly finished = deferred();
  private done = false;

  constructor(
    kafka: Kafka,
    private readonly opts: CopyOptions,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.id = migrationId(opts.tenantId);
    this.callMs = opts.callTimeoutMs ?? 30_000;
    this.routes = new Map(opts.routes.map((r) => [r.source, r]));
    this.admin = kafka.admin();
    this.producer = kafka.producer({
      transactionalId: this.id,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      // CONCURRENT_TRANSACTIONS after a commit clears within milliseconds; the client's 200 ms first back-off would
      // cost more than the copy itself
      retry: { retries: 8, initialRetryTime: 20, maxRetryTime: 2000 },
    });
    this.consumer = kafka.consumer({
      groupId: this.id,
      readUncommitted: false,
      // a killed predecessor's membership expires quickly, so the successor's join does not wait long
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 524_288,
      retry: { retries: 3 },
    });
  }

  private call<T>(work: Promise<T>, what: string): Promise<T> {
    return withDeadline(work, this.callMs, what);
  }

  async run(): Promise<CopyProgress> {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => this.finish();
    try {
      if (this.signal?.aborted) return this.progress('stopped');
      this.signal?.addEventListener('abort', onAbort, { once: true });
      await this.call(this.admin.connect(), 'connecting the admin client');
      await this.checkTargets();
      await this.loadPositions();
      // InitProducerId for our transactional id: fences a predecessor and aborts its open transaction, before the
      // consumer reads the committed offsets it resumes from.
      await this.call(this.producer.connect(), `initialising transactional producer "${this.id}"`);
      this.report();
      if (this.opts.mode === 'until-caught-up' && this.caughtUp()) {
        this.finish();
      } else if (!this.done) {
        this.consumer.on(this.consumer.events.CRASH, (e) => {
          if (!e.payload.restart) this.fail(e.payload.error);
        });
        await this.call(this.consumer.connect(), `joining consumer group "${this.id}"`);
        await this.call(
          this.consumer.subscribe({ topics: [...this.routes.keys()], fromBeginning: true }),
          'subscribing to the shared topics',
        );
        this.state = 'copying';
        await this.call(
          this.consumer.run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: 1,
            eachBatch: (payload) => this.copyBatch(payload),
          }),
          'starting the consumer',
        );
        timer = setInterval(() => void this.tick(), this.opts.progressIntervalMs ?? 1000);
      }
      await this.finished.promise;
    } finally {
      this.done = true;
      if (timer) clearInterval(timer);
      this.signal?.removeEventListener('abort', onAbort);
      // A batch in flight finishes (commits or aborts) before the consumer has stopped.
      await withDeadline(this.consumer.disconnect(), this.callMs, 'leaving the group').catch(() => undefined);
      await withDeadline(this.producer.disconnect(), this.callMs, 'closing the producer').catch(() => undefined);
      await withDeadline(this.admin.disconnect(), this.callMs, 'closing the admin client').catch(() => undefined);
    }
    return this.progress(this.opts.mode === 'until-caught-up' && this.caughtUp() ? 'caught-up' : 'stopped');
  }

  private finish(): void {
    this.done = true;
    this.finished.resolve();
  }

  private fail(e: unknown): void {
    this.done = true;
    this.finished.reject(e);
  }

  /** Every target exists with the partition count the route declares (else records would land elsewhere). */
  private async checkTargets(): Promise<void> {
    const targets = [...new Set(this.opts.routes.map((r) => r.target))];
    const sources = [...this.routes.keys()];
    const { topics } = await this.call(
      this.admin.fetchTopicMetadata({ topics: [...targets, ...sources] }),
      'reading topic metadata',
    ).catch((e: unknown) => {
      throw new Error(
        `cannot read the metadata of ${[...sources, ...targets].join(', ')}: ${(e as Error).message}; ` +
          'every shared topic and every target topic must exist (apply the tenant stack with its new topics first)',
        { cause: e },
      );
    });
    const counts = new Map(topics.map((t) => [t.name, t.partitions.length]));
    const wrong = this.opts.routes
      .filter((r) => counts.get(r.target) !== r.targetPartitions)
      .map((r) => `"${r.target}" has ${counts.get(r.target) ?? 0} partition(s), the route says ${r.targetPartitions}`);
    if (wrong.length) {
      throw new Error(
        `target topics do not match the routes: ${wrong.join('; ')}; fix targetPartitions (placement by key depends on it)`,
      );
    }
  }

  /** Committed positions of our group (or the start of each partition) and the end offsets. */
  private async loadPositions(): Promise<void> {
    const sources = [...this.routes.keys()];
    const committed = await this.call(
      this.admin.fetchOffsets({ groupId: this.id, topics: sources }),
      'reading the committed offsets',
    );
    for (const topic of sources) {
      const offsets = await this.call(this.admin.fetchTopicOffsets(topic), `reading the offsets of "${topic}"`);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const o of offsets) {
        const c = mine.find((p) => p.partition === o.partition)?.offset;
        const low = BigInt(o.low);
        const consumed = c === undefined || BigInt(c) < low ? low : BigInt(c);
        this.positions.set(partKey(topic, o.partition), {
          topic,
          partition: o.partition,
          consumed,
          end: BigInt(o.high),
        });
      }
    }
  }

  private caughtUp(): boolean {
    for (const p of this.positions.values()) if (p.consumed < p.end) return false;
    return true;
  }

  private async copyBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    // After a failure or the end nothing more is copied: an unresolved batch is fetched again by nobody.
    if (this.done || !isRunning() || isStale()) return;
    const route = this.routes.get(batch.topic);
    if (!route || batch.messages.length === 0) return;
    const out: Message[] = [];
    let skipped = 0;
    const suspicious: SuspiciousRecord[] = [];
    for (const m of batch.messages) {
      const c = classifyRecord(this.opts.tenantId, m.key, m.headers);
      if (c.kind === 'copy') out.push(copiedMessage(route, batch.partition, m));
      else if (c.kind === 'other-tenant') skipped++;
      else {
        suspicious.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          reason: c.reason,
          ...(c.headerTenant === undefined ? {} : { headerTenant: c.headerTenant }),
          ...(c.keyTenant === undefined ? {} : { keyTenant: c.keyTenant }),
        });
      }
    }
    const next = BigInt(batch.lastOffset()) + 1n;
    const what = `copying ${batch.topic}[${batch.partition}] up to offset ${next}`;
    const tx = await this.call(this.producer.transaction(), `${what}: beginning a transaction`);
    try {
      // Offsets first: right after the previous commit the coordinator may still be writing its markers and answer
      // CONCURRENT_TRANSACTIONS, which kafkajs does not retry for AddOffsetsToTxn; retried here with a short
      // back-off, after which the sends' AddPartitionsToTxn finds the coordinator ready.
      await this.call(
        retryConcurrentTransactions(() =>
          tx.sendOffsets({
            consumerGroupId: this.id,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next.toString() }] }],
          }),
        ),
        `${what}: adding the source offset to the transaction`,
      );
      const per = Math.max(1, this.opts.maxRecordsPerSend ?? 500);
      for (let i = 0; i < out.length; i += per) {
        await this.call(tx.send({ topic: route.target, messages: out.slice(i, i + per) }), `${what}: sending`);
      }
      await this.call(tx.commit(), `${what}: committing`);
    } catch (e) {
      await withDeadline(tx.abort(), this.callMs, `${what}: aborting`).catch(() => undefined);
      this.fail(e);
      return;
    }
    resolveOffset(batch.lastOffset());
    this.transactions++;
    this.copied += out.length;
    this.skipped += skipped;
    this.suspicious += suspicious.length;
    for (const s of suspicious)
      if (this.suspiciousRecords.length < MAX_REPORTED_SUSPICIOUS) this.suspiciousRecords.push(s);
    const pos = this.positions.get(partKey(batch.topic, batch.partition));
    if (pos && next > pos.consumed) pos.consumed = next;
    if (pos && pos.end < pos.consumed) pos.end = pos.consumed;
    this.lastCommitAt = Date.now();
    this.report();
    if (this.opts.mode === 'until-caught-up' && this.caughtUp()) {
      this.finish();
      return;
    }
    await heartbeat().catch(() => undefined);
  }

  /** Periodically: refresh end offsets (follow), report, and fail a run that is behind but stuck. */
  private async tick(): Promise<void> {
    if (this.done) return;
    if (this.opts.mode === 'follow') {
      try {
        for (const topic of this.routes.keys()) {
          const offsets = await this.call(this.admin.fetchTopicOffsets(topic), `reading the offsets of "${topic}"`);
          for (const o of offsets) {
            const pos = this.positions.get(partKey(topic, o.partition));
            if (pos && BigInt(o.high) > pos.end) pos.end = BigInt(o.high);
          }
        }
      } catch {
        // a missed refresh only makes the reported end offsets older; the stall check below still bounds the run
      }
    }
    if (this.done) return;
    const stallMs = this.opts.stallTimeoutMs ?? 120_000;
    if (this.caughtUp()) this.lastCommitAt = Date.now();
    else if (Date.now() - this.lastCommitAt > stallMs) {
      this.fail(
        new DeadlineExceeded(`copying for tenant "${this.opts.tenantId}" (behind, no batch committed)`, stallMs),
      );
      return;
    }
    this.report();
  }

  private report(): void {
    if (!this.opts.onProgress) return;
    const state = this.state === 'copying' && this.caughtUp() ? 'caught-up' : this.state;
    this.opts.onProgress(this.progress(state));
  }

  private progress(state: CopyProgress['state']): CopyProgress {
    const partitions = [...this.positions.values()]
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .map((p) => ({ topic: p.topic, partition: p.partition, consumed: p.consumed.toString(), end: p.end.toString() }));
    const progress: CopyProgress = {
      tenantId: this.opts.tenantId,
      mode: this.opts.mode,
      state,
      caughtUp: this.caughtUp(),
      partitions,
      copied: this.copied,
      skipped: this.skipped,
      suspicious: this.suspicious,
      suspiciousRecords: [...this.suspiciousRecords],
      transactions: this.transactions,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
    };
    return progress;
  }
}
