/**
 * The two admin requests kafkajs 2.2.4 lacks, as bytes: DescribeUserScramCredentials (API key 50, v0) and
 * DescribeClientQuotas (API key 48, v0). Pure encoders and decoders, no client in sight: `raw.ts` sends them on the
 * admin's authenticated kafkajs connection and turns error codes into answers.
 *
 * Layouts follow Kafka's message specs (`clients/src/main/resources/common/message/DescribeUserScramCredentials
 * {Request,Response}.json`, `DescribeClientQuotas{Request,Response}.json`) and the protocol guide's type table:
 *
 * - DescribeUserScramCredentials v0 is a FLEXIBLE version: its request header is v2 (the v1 header kafkajs writes,
 *   then an empty tagged-field section), strings and arrays are compact (unsigned varint length + 1, 0 = null),
 *   every struct ends with tagged fields, and the response header is v1 (correlation id, then tagged fields).
 * - DescribeClientQuotas v0 is not flexible: int16-length strings, int32-length arrays, response header v0.
 */

export const DESCRIBE_CLIENT_QUOTAS = { apiKey: 48, apiVersion: 0, apiName: 'DescribeClientQuotas' } as const;
export const DESCRIBE_USER_SCRAM_CREDENTIALS = {
  apiKey: 50,
  apiVersion: 0,
  apiName: 'DescribeUserScramCredentials',
} as const;

/** A request body ready to follow kafkajs' v1 request header (client id last). */
export interface EncodedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly apiName: string;
  /** For a flexible version this starts with the request header's (empty) tagged fields: header v2. */
  readonly payload: Buffer;
}

/** A response that cannot be what the broker meant to send (truncated, a length past the end, a bad varint). */
export class ProtocolDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolDecodeError';
  }
}

/** Big-endian Kafka primitives, appended to one growing buffer. */
export class ProtocolWriter {
  private readonly parts: Buffer[] = [];

  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }

  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }

  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  /** Unsigned LEB128 varint (up to 2^32 − 1). */
  uvarint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`not an unsigned varint: ${v}`);
    const bytes: number[] = [];
    let rest = v;
    while (rest >= 0x80) {
      bytes.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    bytes.push(rest);
    return this.push(Buffer.from(bytes));
  }

  /** STRING / NULLABLE_STRING: int16 length (−1 = null), UTF-8 bytes. */
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    return this.int16(b.length).push(b);
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING: unsigned varint length + 1 (0 = null), UTF-8 bytes. */
  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    const b = Buffer.from(v, 'utf8');
    return this.uvarint(b.length + 1).push(b);
  }

  /** ARRAY: int32 count (−1 = null), then each item. */
  array<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** COMPACT_ARRAY: unsigned varint count + 1 (0 = null), then each item. */
  compactArray<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  /** An empty tagged-field section (count 0): we never send tagged fields. */
  noTaggedFields(): this {
    return this.uvarint(0);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}

/** Reads Kafka primitives from a response, refusing to read past its end. */
export class ProtocolReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  int8(): number {
    return this.take(1).readInt8();
  }

  int16(): number {
    return this.take(2).readInt16BE();
  }

  int32(): number {
    return this.take(4).readInt32BE();
  }

  float64(): number {
    return this.take(8).readDoubleBE();
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.take(1)[0]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) throw new ProtocolDecodeError(`unsigned varint out of range at byte ${this.offset}`);
        return value;
      }
    }
    throw new ProtocolDecodeError(`unsigned varint longer than 5 bytes at byte ${this.offset}`);
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n < -1) throw new ProtocolDecodeError(`string length ${n} at byte ${this.offset - 2}`);
    return n === -1 ? null : this.take(n).toString('utf8');
  }

  string(): string {
    return this.required(this.nullableString(), 'string');
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.take(n - 1).toString('utf8');
  }

  compactString(): string {
    return this.required(this.compactNullableString(), 'compact string');
  }

  nullableArray<T>(read: (r: this) => T): T[] | null {
    const n = this.int32();
    if (n < -1) throw new ProtocolDecodeError(`array length ${n} at byte ${this.offset - 4}`);
    if (n === -1) return null;
    return this.items(n, read);
  }

  array<T>(read: (r: this) => T): T[] {
    return this.required(this.nullableArray(read), 'array');
  }

  compactNullableArray<T>(read: (r: this) => T): T[] | null {
    const n = this.uvarint();
    return n === 0 ? null : this.items(n - 1, read);
  }

  compactArray<T>(read: (r: this) => T): T[] {
    return this.required(this.compactNullableArray(read), 'compact array');
  }

  /** Skip a tagged-field section: count, then per field its tag, size and bytes (none is one we need). */
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.take(this.uvarint());
    }
  }

  /** Every byte consumed: a response with bytes left over is not the version we asked for. */
  end(): void {
    if (this.offset !== this.buf.length) {
      throw new ProtocolDecodeError(`${this.buf.length - this.offset} unexpected byte(s) after the response`);
    }
  }

  private items<T>(n: number, read: (r: this) => T): T[] {
    // Every item takes at least one byte: a count beyond the bytes left is a corrupt length, not a huge array.
    if (n > this.buf.length - this.offset) {
      throw new ProtocolDecodeError(`array of ${n} item(s) with ${this.buf.length - this.offset} byte(s) left`);
    }
    return Array.from({ length: n }, () => read(this));
  }

  private required<T>(v: T | null, what: string): T {
    if (v === null) throw new ProtocolDecodeError(`null ${what} in a non-nullable field at byte ${this.offset}`);
    return v;
  }

  private take(n: number): Buffer {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new ProtocolDecodeError(`response ends at byte ${this.buf.length}, needed ${n} more at ${this.offset}`);
    }
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
}

/** `ScramMechanism` of Kafka's admin client: the int8 on the wire. */
export const SCRAM_MECHANISMS: Readonly<Record<number, string>> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' };

export interface ScramCredentialInfo {
  /** `SCRAM-SHA-512`, `SCRAM-SHA-256`, or `UNKNOWN(<n>)`. */
  readonly mechanism: string;
  readonly iterations: number;
}

export interface ScramUserResult {
  readonly user: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly credentials: readonly ScramCredentialInfo[];
}

export interface DescribeUserScramCredentialsResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly results: readonly ScramUserResult[];
}

/** `users: null` describes every user that has a credential. */
export function describeUserScramCredentialsRequest(users: readonly string[] | null): EncodedRequest {
  const payload = new ProtocolWriter()
    .noTaggedFields() // request header v2
    .compactArray(users, (w, name) => w.compactString(name).noTaggedFields())
    .noTaggedFields()
    .toBuffer();
  return { ...DESCRIBE_USER_SCRAM_CREDENTIALS, payload };
}

/** The response as kafkajs hands it over: everything after the correlation id, so starting with header v1's tags. */
export function decodeDescribeUserScramCredentialsResponse(payload: Buffer): DescribeUserScramCredentialsResponse {
  const r = new ProtocolReader(payload);
  r.skipTaggedFields(); // response header v1
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const errorMessage = r.compactNullableString();
  const results = r.compactArray((u) => {
    const user = u.compactString();
    const code = u.int16();
    const message = u.compactNullableString();
    const credentials = u.compactArray((c) => {
      const m = c.int8();
      const iterations = c.int32();
      c.skipTaggedFields();
      return { mechanism: SCRAM_MECHANISMS[m] ?? `UNKNOWN(${m})`, iterations };
    });
    u.skipTaggedFields();
    return { user, errorCode: code, errorMessage: message, credentials };
  });
  r.skipTaggedFields();
  r.end();
  return { throttleTimeMs, errorCode, errorMessage, results };
}

/** Match types of a DescribeClientQuotas filter component. */
export const QUOTA_MATCH = { exact: 0, default: 1, specified: 2 } as const;

export interface QuotaFilterComponent {
  /** `user`, `client-id` or `ip`. */
  readonly entityType: string;
  readonly matchType: (typeof QUOTA_MATCH)[keyof typeof QUOTA_MATCH];
  /** The name for an exact match; null otherwise. */
  readonly match: string | null;
}

export interface QuotaEntityPart {
  /** `user`, `client-id` or `ip`. */
  readonly entityType: string;
  /** null: the `<default>` entity of that type. */
  readonly entityName: string | null;
}

export interface ClientQuotaEntry {
  readonly entity: readonly QuotaEntityPart[];
  /** `producer_byte_rate`, `consumer_byte_rate`, `request_percentage`, … as the broker holds them (doubles). */
  readonly values: Readonly<Record<string, number>>;
}

export interface DescribeClientQuotasResponse {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly entries: readonly ClientQuotaEntry[];
}

/** No components and `strict: false` match every entity (Kafka's `ClientQuotasImage.describe`). */
export function describeClientQuotasRequest(components: readonly QuotaFilterComponent[] = [], strict = false) {
  const payload = new ProtocolWriter()
    .array(components, (w, c) => w.string(c.entityType).int8(c.matchType).string(c.match))
    .bool(strict)
    .toBuffer();
  return { ...DESCRIBE_CLIENT_QUOTAS, payload } satisfies EncodedRequest;
}

/** The response after the correlation id (header v0 has nothing else). */
export function decodeDescribeClientQuotasResponse(payload: Buffer): DescribeClientQuotasResponse {
  const r = new ProtocolReader(payload);
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  const entries =
    r.nullableArray((e) => {
      const entity = e.array((p) => ({ entityType: p.string(), entityName: p.nullableString() }));
      const values: Record<string, number> = {};
      for (const v of e.array((x) => ({ key: x.string(), value: x.float64() }))) values[v.key] = v.value;
      return { entity, values };
    }) ?? [];
  r.end();
  return { throttleTimeMs, errorCode, errorMessage, entries };
}
