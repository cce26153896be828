import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import {
  DataKeyCache,
  DecryptionError,
  ENVELOPE_OVERHEAD_BYTES,
  EnvelopeSealer,
  type KeyProvider,
  LocalKeyring,
  envelopeHeaderBytes,
  openRecord,
  sealRecord,
} from '../../../src/sdk';

const ctx = { tenantId: 'acme', topic: 'shared.orders.placed' };
const recordKey = 'acme:order-42';
const plaintext = Buffer.from('{"amount":12.5,"card":"4111…"}');

async function sealed(keys: KeyProvider, text: Buffer | string = plaintext) {
  return sealRecord(keys, ctx, recordKey, text);
}

async function rejection(p: Promise<unknown>): Promise<DecryptionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DecryptionError);
  return e as DecryptionError;
}

/**
 * Keys that (against all advice) have the same bytes, so only the associated data tells the contexts apart:
 * acme/v1 and bravo/v1, plus acme/v2 when asked.
 */
function identicalKeys(withAcmeV2 = false): LocalKeyring {
  const key = Buffer.alloc(32, 7).toString('base64');
  return LocalKeyring.fromEnv({
    KAFKA_TENANCY_KEK_ACME_V1: key,
    KAFKA_TENANCY_KEK_BRAVO_V1: key,
    ...(withAcmeV2 ? { KAFKA_TENANCY_KEK_ACME_V2: key } : {}),
  });
}

describe('envelope encryption', () => {
  it('round-trips a record in its own context', async () => {
    const keys = LocalKeyring.inMemory(['acme']);
    const { value, headers } = await sealed(keys);
    expect(headers).toEqual({ 'enc-v': '1', 'enc-kek': 'acme/v1' });
    expect(value.includes(plaintext)).toBe(false);
    const opened = await openRecord(keys, ctx, Buffer.from(recordKey), value, headers);
    expect(opened.plaintext).toEqual(plaintext);
    expect(opened.kekVersion).toBe(1);
  });

  it('adds exactly ENVELOPE_OVERHEAD_BYTES (90) to the value, whatever its length', async () => {
    const keys = LocalKeyring.inMemory(['acme']);
    expect(ENVELOPE_OVERHEAD_BYTES).toBe(90);
    for (const n of [0, 1, 15, 16, 17, 1000, 65_536]) {
      const { value } = await sealed(keys, Buffer.alloc(n, 1));
      expect(value.length - n).toBe(90);
    }
  });

  it('adds 24 bytes of headers for acme/v1 (enc-v: 8, enc-kek: 16)', () => {
    expect(envelopeHeaderBytes('acme', 1)).toBe(24);
    expect(envelopeHeaderBytes('acme-eu', 12)).toBe(28);
  });

  it('uses a fresh data key and nonce per record: equal plaintexts give different ciphertexts', async () => {
    const keys = LocalKeyring.inMemory(['acme']);
    const a = await sealed(keys);
    const b = await sealed(keys);
    expect(a.value.equals(b.value)).toBe(false);
  });

  it('a batch sealer wraps one data key for many records; each still decrypts on its own', async () => {
    const keys = LocalKeyring.inMemory(['acme']);
    const sealer = await EnvelopeSealer.create(keys, ctx);
    const records = ['acme:1', 'acme:2', 'acme:3'].map((k) => ({ k, s: sealer.seal(k, `value of ${k}`) }));
    sealer.dispose();
    for (const { k, s } of records) {
      expect((await openRecord(keys, ctx, k, s.value, s.headers)).plaintext.toString()).toBe(`value of ${k}`);
    }
    // the record key is still bound per record
    await rejection(openRecord(keys, ctx, 'acme:2', records[0]!.s.value, records[0]!.s.headers));
    expect(() => sealer.seal('acme:4', 'x')).toThrow(/disposed/);
  });

  describe('tampering', () => {
    it("rejects a record read as another tenant's (swapped tenant), even if the key bytes were the same", async () => {
      const keys = identicalKeys();
      const { value, headers } = await sealed(keys);
      expect(headers['enc-kek']).toBe('acme/v1');
      // header still says acme: refused before any crypto
      expect((await rejection(openRecord(keys, { ...ctx, tenantId: 'bravo' }, recordKey, value, headers))).reason).toBe(
        'context_mismatch',
      );
      // header rewritten to bravo: the tenant in the associated data no longer matches
      const forged = { ...headers, 'enc-kek': 'bravo/v1' };
      expect((await rejection(openRecord(keys, { ...ctx, tenantId: 'bravo' }, recordKey, value, forged))).reason).toBe(
        'authentication_failed',
      );
    });

    it('rejects a record copied to another topic (swapped topic)', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { value, headers } = await sealed(keys);
      const e = await rejection(
        openRecord(keys, { ...ctx, topic: 'shared.orders.shipped' }, recordKey, value, headers),
      );
      expect(e.reason).toBe('authentication_failed');
    });

    it('rejects a value moved under another record key (swapped record key)', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { value, headers } = await sealed(keys);
      const e = await rejection(openRecord(keys, ctx, 'acme:order-43', value, headers));
      expect(e.reason).toBe('authentication_failed');
    });

    it('rejects a changed key version (swapped key version), even if both versions had the same bytes', async () => {
      const keys = identicalKeys(true);
      const { value, headers } = await sealed(keys);
      expect(headers['enc-kek']).toBe('acme/v2');
      const e = await rejection(openRecord(keys, ctx, recordKey, value, { ...headers, 'enc-kek': 'acme/v1' }));
      expect(e.reason).toBe('authentication_failed');
      const missing = await rejection(openRecord(keys, ctx, recordKey, value, { ...headers, 'enc-kek': 'acme/v9' }));
      expect(missing.reason).toBe('key_unavailable');
    });

    it('rejects a changed format version', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { value, headers } = await sealed(keys);
      expect((await rejection(openRecord(keys, ctx, recordKey, value, { ...headers, 'enc-v': '2' }))).reason).toBe(
        'unsupported_format',
      );
    });

    it('rejects truncated ciphertext at every length', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { value, headers } = await sealed(keys);
      for (let n = 0; n < value.length; n++) {
        await rejection(openRecord(keys, ctx, recordKey, value.subarray(0, n), headers));
      }
      await rejection(openRecord(keys, ctx, recordKey, null, headers));
    });

    it('rejects a record with any single flipped bit (property)', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { value, headers } = await sealed(keys);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: value.length * 8 - 1 }), async (bit) => {
          const flipped = Buffer.from(value);
          flipped[bit >> 3]! ^= 1 << (bit & 7);
          await rejection(openRecord(keys, ctx, recordKey, flipped, headers));
        }),
        { numRuns: 300 },
      );
    });

    it('rejects a flipped byte in each region: length prefix, wrapped key, nonce, ciphertext, tag', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { value, headers } = await sealed(keys);
      const regions = { lengthPrefix: 1, wrappedKey: 2 + 30, nonce: 62 + 5, ciphertext: 74 + 3, tag: value.length - 1 };
      for (const [region, at] of Object.entries(regions)) {
        const flipped = Buffer.from(value);
        flipped[at]! ^= 0xff;
        const e = await rejection(openRecord(keys, ctx, recordKey, flipped, headers));
        expect([region, e.reason]).toEqual([region, expect.stringMatching(/authentication_failed|malformed/)]);
      }
    });

    it('rejects missing, repeated or malformed envelope headers', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { value, headers } = await sealed(keys);
      const cases: IHeaders[] = [
        { 'enc-kek': headers['enc-kek'] },
        { 'enc-v': '1' },
        { ...headers, 'enc-kek': ['acme/v1', 'acme/v1'] },
        { ...headers, 'enc-kek': 'acme/1' },
        { ...headers, 'enc-v': ['1', '1'] },
      ];
      for (const h of cases) await rejection(openRecord(keys, ctx, recordKey, value, h));
    });
  });

  describe('rotation and crypto-shredding', () => {
    it('after rotation new records use the new version and old records still decrypt', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const old = await sealed(keys);
      expect(keys.rotate('acme')).toBe(2);
      const fresh = await sealed(keys);
      expect(old.headers['enc-kek']).toBe('acme/v1');
      expect(fresh.headers['enc-kek']).toBe('acme/v2');
      expect((await openRecord(keys, ctx, recordKey, old.value, old.headers)).kekVersion).toBe(1);
      expect((await openRecord(keys, ctx, recordKey, fresh.value, fresh.headers)).kekVersion).toBe(2);
    });

    it('a retired version no longer decrypts its records', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const old = await sealed(keys);
      keys.rotate('acme');
      keys.retire('acme', 1);
      expect((await rejection(openRecord(keys, ctx, recordKey, old.value, old.headers))).reason).toBe(
        'key_unavailable',
      );
    });

    it('shredding a tenant makes all its records undecryptable and leaves other tenants alone', async () => {
      const keys = LocalKeyring.inMemory(['acme', 'bravo']);
      const a = await sealed(keys);
      const b = await sealRecord(keys, { ...ctx, tenantId: 'bravo' }, 'bravo:1', 'b');
      keys.shred('acme');
      expect((await rejection(openRecord(keys, ctx, recordKey, a.value, a.headers))).reason).toBe('key_unavailable');
      expect(
        (await openRecord(keys, { ...ctx, tenantId: 'bravo' }, 'bravo:1', b.value, b.headers)).plaintext.toString(),
      ).toBe('b');
      await expect(sealed(keys)).rejects.toThrow(/no key-encryption key for tenant "acme"/);
    });
  });

  describe('data key cache', () => {
    /** Wraps a provider and counts unwraps (KMS calls, in a KMS provider). */
    function counting(keys: LocalKeyring): { provider: KeyProvider; unwraps: () => number } {
      let unwraps = 0;
      const provider: KeyProvider = {
        currentKek: (t) => keys.currentKek(t),
        kek: async (t, v) => {
          const k = await keys.kek(t, v);
          return {
            ...k,
            unwrap: (w, aad) => {
              unwraps++;
              return k.unwrap(w, aad);
            },
          };
        },
      };
      return { provider, unwraps: () => unwraps };
    }

    async function batch(keys: KeyProvider, n: number) {
      const sealer = await EnvelopeSealer.create(keys, ctx);
      const out = [...Array(n).keys()].map((i) => ({ key: `acme:${i}`, ...sealer.seal(`acme:${i}`, `v${i}`) }));
      sealer.dispose();
      return out;
    }

    it('unwraps a batch data key once for all records of the batch', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { provider, unwraps } = counting(keys);
      const cache = new DataKeyCache();
      for (const r of await batch(keys, 20)) {
        expect((await openRecord(provider, ctx, r.key, r.value, r.headers, cache)).plaintext.toString()).toBe(
          `v${r.key.slice(5)}`,
        );
      }
      expect(unwraps()).toBe(1);
    });

    it('does not let a cached key decrypt in another context', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const cache = new DataKeyCache();
      const [r] = await batch(keys, 1);
      await openRecord(keys, ctx, r!.key, r!.value, r!.headers, cache);
      await rejection(openRecord(keys, { ...ctx, topic: 'other' }, r!.key, r!.value, r!.headers, cache));
      await rejection(openRecord(keys, ctx, 'acme:other', r!.value, r!.headers, cache));
    });

    it('does not outlive crypto-shredding', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const cache = new DataKeyCache();
      const [r] = await batch(keys, 1);
      await openRecord(keys, ctx, r!.key, r!.value, r!.headers, cache);
      keys.shred('acme');
      expect((await rejection(openRecord(keys, ctx, r!.key, r!.value, r!.headers, cache))).reason).toBe(
        'key_unavailable',
      );
    });

    it('evicts the least recently used key beyond its size', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const cache = new DataKeyCache(2);
      for (let i = 0; i < 3; i++) {
        const [r] = await batch(keys, 1);
        await openRecord(keys, ctx, r!.key, r!.value, r!.headers, cache);
      }
      expect(cache.size).toBe(2);
    });
  });

  it('never repeats a nonce', async () => {
    const keys = LocalKeyring.inMemory(['acme']);
    const sealer = await EnvelopeSealer.create(keys, ctx);
    const nonces = new Set<string>();
    for (let i = 0; i < 10_000; i++) nonces.add(sealer.seal(recordKey, 'x').value.subarray(62, 74).toString('hex'));
    sealer.dispose();
    expect(nonces.size).toBe(10_000);
  });

  it('rethrows a key provider outage instead of calling the record bad', async () => {
    const keys = LocalKeyring.inMemory(['acme']);
    const { value, headers } = await sealed(keys);
    const down: KeyProvider = {
      currentKek: () => keys.currentKek('acme'),
      kek: async (t, v) => ({
        ...(await keys.kek(t, v)),
        unwrap: async () => {
          throw new Error('kms timeout');
        },
      }),
    };
    await expect(openRecord(down, ctx, recordKey, value, headers)).rejects.toThrow('kms timeout');
  });
});
