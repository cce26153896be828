import {
  ProtocolDecodeError,
  ProtocolReader,
  ProtocolWriter,
  decodeDescribeClientQuotasResponse,
  decodeDescribeUserScramCredentialsResponse,
  describeClientQuotasRequest,
  describeUserScramCredentialsRequest,
} from '../../../src/verify/admin-protocol';

/** Bytes from a readable list: numbers are single bytes, strings are their UTF-8 bytes. */
const bytes = (...parts: Array<number | string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from([p].flat()))));
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return [...b];
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return [...b];
};
const float64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return [...b];
};

describe('ProtocolWriter / ProtocolReader', () => {
  it.each([
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [16384, [0x80, 0x80, 0x01]],
    [0xffffffff, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('writes and reads the unsigned varint %i as %j', (n, encoded) => {
    expect([...new ProtocolWriter().uvarint(n).toBuffer()]).toEqual(encoded);
    expect(new ProtocolReader(Buffer.from(encoded)).uvarint()).toBe(n);
  });

  it('refuses a varint longer than five bytes', () => {
    expect(() => new ProtocolReader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint()).toThrow(
      ProtocolDecodeError,
    );
  });

  it('writes compact strings as length + 1 (0 = null) and classic strings with an int16 length (-1 = null)', () => {
    const w = new ProtocolWriter().compactString('ab').compactString(null).string('ab').string(null);
    expect([...w.toBuffer()]).toEqual([0x03, 0x61, 0x62, 0x00, 0x00, 0x02, 0x61, 0x62, 0xff, 0xff]);
  });

  it('skips tagged fields it does not know (tag, size, bytes)', () => {
    // two tagged fields: tag 0 with 2 bytes, tag 5 with 1 byte; then an int8
    const r = new ProtocolReader(bytes(0x02, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x01, 0xcc, 0x2a));
    r.skipTaggedFields();
    expect(r.int8()).toBe(42);
    r.end();
  });

  it('refuses to read past the end of a truncated response', () => {
    expect(() => new ProtocolReader(bytes(0x00, 0x05, 'abc')).string()).toThrow(/response ends at byte 5/);
  });

  it('refuses an array count larger than the bytes left (a corrupt length, not a huge array)', () => {
    expect(() => new ProtocolReader(bytes(int32(1_000_000))).array((r) => r.int8())).toThrow(ProtocolDecodeError);
  });

  it('refuses bytes left over after the response', () => {
    const r = new ProtocolReader(bytes(0x01, 0x02));
    r.int8();
    expect(() => r.end()).toThrow(/1 unexpected byte/);
  });
});

describe('DescribeUserScramCredentials v0 (flexible)', () => {
  it('encodes a request for every user: header v2 tags, a null compact array, the body tags', () => {
    const req = describeUserScramCredentialsRequest(null);
    expect(req).toMatchObject({ apiKey: 50, apiVersion: 0, apiName: 'DescribeUserScramCredentials' });
    expect([...req.payload]).toEqual([0x00, 0x00, 0x00]);
  });

  it('encodes named users as a compact array of compact strings, each struct with its own tags', () => {
    const req = describeUserScramCredentialsRequest(['a', 'bc']);
    expect(req.payload).toEqual(bytes(0x00, 0x03, 0x02, 'a', 0x00, 0x03, 'bc', 0x00, 0x00));
  });

  it('decodes a response: header v1 tags, throttle, error, and per user its mechanisms and iterations', () => {
    const payload = bytes(
      0x00, // response header v1: no tagged fields
      int32(0), // throttle_time_ms
      int16(0), // error_code
      0x00, // error_message: null
      0x03, // results: 2
      [0x06, ...Buffer.from('admin')],
      int16(0),
      0x01, // error_message: "" (compact length 1)
      0x02, // credential_infos: 1
      [0x02, ...int32(4096), 0x00], // SCRAM-SHA-512, 4096 iterations, tags
      0x00, // result tags
      [0x0d, ...Buffer.from('acme.billing')],
      int16(0),
      0x00,
      0x03, // credential_infos: 2
      [0x02, ...int32(8192), 0x00],
      [0x01, ...int32(4096), 0x00], // SCRAM-SHA-256
      0x00,
      0x00, // top-level tags
    );
    expect(decodeDescribeUserScramCredentialsResponse(payload)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [
        {
          user: 'admin',
          errorCode: 0,
          errorMessage: '',
          credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }],
        },
        {
          user: 'acme.billing',
          errorCode: 0,
          errorMessage: null,
          credentials: [
            { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
            { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
          ],
        },
      ],
    });
  });

  it('decodes a refusal (CLUSTER_AUTHORIZATION_FAILED, 31) with its message and no results', () => {
    const payload = bytes(0x00, int32(0), int16(31), [0x03, ...Buffer.from('no')], 0x01, 0x00);
    expect(decodeDescribeUserScramCredentialsResponse(payload)).toMatchObject({
      errorCode: 31,
      errorMessage: 'no',
      results: [],
    });
  });

  it('names a mechanism it does not know instead of guessing', () => {
    const payload = bytes(0x00, int32(0), int16(0), 0x00, 0x02, [0x02, ...Buffer.from('x')], int16(0), 0x00);
    const tail = bytes(0x02, 0x07, int32(4096), 0x00, 0x00, 0x00);
    expect(decodeDescribeUserScramCredentialsResponse(Buffer.concat([payload, tail])).results[0]!.credentials).toEqual([
      { mechanism: 'UNKNOWN(7)', iterations: 4096 },
    ]);
  });

  it('refuses a truncated response', () => {
    expect(() => decodeDescribeUserScramCredentialsResponse(bytes(0x00, int32(0), int16(0)))).toThrow(
      ProtocolDecodeError,
    );
  });
});

describe('DescribeClientQuotas v0', () => {
  it('encodes "every entity" as no components and strict false', () => {
    const req = describeClientQuotasRequest();
    expect(req).toMatchObject({ apiKey: 48, apiVersion: 0, apiName: 'DescribeClientQuotas' });
    expect([...req.payload]).toEqual([...int32(0), 0x00]);
  });

  it('encodes filter components: entity type, match type, nullable match', () => {
    const req = describeClientQuotasRequest(
      [
        { entityType: 'user', matchType: 0, match: 'acme.billing' },
        { entityType: 'client-id', matchType: 1, match: null },
      ],
      true,
    );
    expect(req.payload).toEqual(
      bytes(
        int32(2),
        [...int16(4), ...Buffer.from('user'), 0x00, ...int16(12), ...Buffer.from('acme.billing')],
        [...int16(9), ...Buffer.from('client-id'), 0x01, ...int16(-1)],
        0x01,
      ),
    );
  });

  it('decodes entries: entity parts (null name = <default>) and float64 values by key', () => {
    const payload = bytes(
      int32(0),
      int16(0),
      int16(-1),
      int32(2), // entries
      int32(1),
      [...int16(4), ...Buffer.from('user'), ...int16(12), ...Buffer.from('acme.billing')],
      int32(2),
      [...int16(18), ...Buffer.from('producer_byte_rate'), ...float64(1048576)],
      [...int16(18), ...Buffer.from('request_percentage'), ...float64(50)],
      int32(2),
      [...int16(4), ...Buffer.from('user'), ...int16(-1)],
      [...int16(9), ...Buffer.from('client-id'), ...int16(3), ...Buffer.from('web')],
      int32(1),
      [...int16(18), ...Buffer.from('consumer_byte_rate'), ...float64(1.5)],
    );
    expect(decodeDescribeClientQuotasResponse(payload)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      entries: [
        {
          entity: [{ entityType: 'user', entityName: 'acme.billing' }],
          values: { producer_byte_rate: 1048576, request_percentage: 50 },
        },
        {
          entity: [
            { entityType: 'user', entityName: null },
            { entityType: 'client-id', entityName: 'web' },
          ],
          values: { consumer_byte_rate: 1.5 },
        },
      ],
    });
  });

  it('reads a null entry array (an error response) as no entries', () => {
    const payload = bytes(int32(0), int16(31), int16(2), 'no', int32(-1));
    expect(decodeDescribeClientQuotasResponse(payload)).toEqual({
      throttleTimeMs: 0,
      errorCode: 31,
      errorMessage: 'no',
      entries: [],
    });
  });
});
