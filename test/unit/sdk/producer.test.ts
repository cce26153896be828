import {
  EncryptionUnavailableError,
  InvalidRecordError,
  KeyNotFoundError,
  LocalKeyring,
  PartitionMapIndex,
  TenantMismatchError,
  TenantProducer,
  TenantRateLimitExceeded,
  TokenBucket,
  openRecord,
} from '../../../src/sdk';
import { FakeClock, FakeKafka, FakeProducer } from './fakes';

const SHARED = 'shared.orders.placed';
const partitionMap = new PartitionMapIndex({
  version: 1,
  environment: 'test',
  topics: { [SHARED]: { partitions: 6, dedicated: { acme: [4, 5] } } },
});

function producerFor(
  tenant: { id: string; encryption: boolean },
  extra: Partial<ConstructorParameters<typeof TenantProducer>[0]> = {},
): { producer: TenantProducer; fake: FakeProducer } {
  const fake = new FakeProducer();
  const producer = new TenantProducer({
    tenant,
    producer: fake.asProducer(),
    partitionMap,
    ...extra,
  } as ConstructorParameters<typeof TenantProducer>[0]);
  return { producer, fake };
}

const order = { topic: SHARED, aggregateId: 'order-1', eventType: 'order.placed', value: '{"total":3}' };

describe('TenantProducer', () => {
  it('builds the key {tenant}:{aggregate} and the tenant-id and event-type headers', async () => {
    const { producer, fake } = producerFor({ id: 'bravo', encryption: false });
    await producer.send({ ...order, headers: { 'trace-id': 'abc' } });
    expect(fake.sent).toEqual([
      {
        topic: SHARED,
        key: 'bravo:order-1',
        value: Buffer.from('{"total":3}'),
        headers: { 'trace-id': 'abc', 'tenant-id': 'bravo', 'event-type': 'order.placed' },
        partition: expect.any(Number),
      },
    ]);
  });

  describe("never writes another tenant's id", () => {
    it.each([
      ['another tenant', 'acme'],
      ['a look-alike', 'bravo '],
      ['a repeated header', ['bravo', 'acme']],
    ])('refuses a caller-supplied tenant-id header of %s', async (_, claimed) => {
      const { producer, fake } = producerFor({ id: 'bravo', encryption: false });
      const error = await producer.send({ ...order, headers: { 'tenant-id': claimed } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantMismatchError);
      expect((error as TenantMismatchError).security).toBe(true);
      expect(fake.sent).toHaveLength(0);
    });

    it('accepts a tenant-id header equal to its own tenant', async () => {
      const { producer, fake } = producerFor({ id: 'bravo', encryption: false });
      await producer.send({ ...order, headers: { 'tenant-id': Buffer.from('bravo') } });
      expect(fake.sent[0]!.headers['tenant-id']).toBe('bravo');
    });
  });

  it('refuses headers reserved for the SDK and malformed records', async () => {
    const { producer, fake } = producerFor({ id: 'bravo', encryption: false });
    const bad = [
      { ...order, headers: { 'enc-v': '1' } },
      { ...order, headers: { 'enc-kek': 'bravo/v1' } },
      { ...order, headers: { 'event-type': 'other' } },
      { ...order, eventType: 'has space' },
      { ...order, aggregateId: '' },
      { ...order, value: null as unknown as string },
    ];
    for (const r of bad) await expect(producer.send(r)).rejects.toBeInstanceOf(InvalidRecordError);
    expect(fake.sent).toHaveLength(0);
  });

  describe('encryption', () => {
    it('encrypts the value of a tenant that requires it, bound to tenant, topic and key', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { producer, fake } = producerFor({ id: 'acme', encryption: true }, { keyProvider: keys });
      await producer.send(order);
      const [sent] = fake.sent;
      expect(sent!.headers).toMatchObject({ 'tenant-id': 'acme', 'enc-v': '1', 'enc-kek': 'acme/v1' });
      expect(sent!.value.toString()).not.toContain('total');
      const opened = await openRecord(keys, { tenantId: 'acme', topic: SHARED }, sent!.key, sent!.value, sent!.headers);
      expect(opened.plaintext.toString()).toBe('{"total":3}');
    });

    it('fails closed: no key provider, no producer', () => {
      expect(() => producerFor({ id: 'acme', encryption: true })).toThrow(EncryptionUnavailableError);
    });

    it('fails closed: no key for the tenant, nothing sent', async () => {
      const { producer, fake } = producerFor(
        { id: 'acme', encryption: true },
        { keyProvider: LocalKeyring.inMemory(['bravo']) },
      );
      await expect(producer.send(order)).rejects.toBeInstanceOf(KeyNotFoundError);
      expect(fake.sent).toHaveLength(0);
    });

    it('wraps one data key per topic per batch by default, one per record on request', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const wrappedKey = (v: Buffer) => v.subarray(0, 62).toString('hex');
      const batch = producerFor({ id: 'acme', encryption: true }, { keyProvider: keys });
      await batch.producer.sendBatch([order, { ...order, aggregateId: 'order-2' }]);
      expect(new Set(batch.fake.sent.map((s) => wrappedKey(s.value))).size).toBe(1);
      const perRecord = producerFor({ id: 'acme', encryption: true }, { keyProvider: keys, dataKeyScope: 'record' });
      await perRecord.producer.sendBatch([order, { ...order, aggregateId: 'order-2' }]);
      expect(new Set(perRecord.fake.sent.map((s) => wrappedKey(s.value))).size).toBe(2);
    });

    describe('with dataKeyMaxAgeMs (data keys reused across sends)', () => {
      const wrappedKey = (v: Buffer) => v.subarray(0, 62).toString('hex');
      const nonce = (v: Buffer) => v.subarray(62, 74).toString('hex');
      const cached = (keys: LocalKeyring, clock: FakeClock) =>
        producerFor({ id: 'acme', encryption: true }, { keyProvider: keys, dataKeyMaxAgeMs: 1000, clock });

      it('wraps one data key per topic for sends within the age, a new one after it; nonces stay fresh', async () => {
        const keys = LocalKeyring.inMemory(['acme']);
        const clock = new FakeClock(0);
        const { producer, fake } = cached(keys, clock);
        await producer.send(order);
        clock.t = 999;
        await producer.send({ ...order, aggregateId: 'order-2' });
        clock.t = 1999;
        await producer.send({ ...order, aggregateId: 'order-3' });
        const values = fake.sent.map((s) => s.value);
        expect(values.map(wrappedKey)).toEqual([wrappedKey(values[0]!), wrappedKey(values[0]!), expect.any(String)]);
        expect(wrappedKey(values[2]!)).not.toBe(wrappedKey(values[0]!));
        expect(new Set(values.map(nonce)).size).toBe(3);
        for (const s of fake.sent) {
          const opened = await openRecord(keys, { tenantId: 'acme', topic: SHARED }, s.key, s.value, s.headers);
          expect(opened.plaintext.toString()).toBe('{"total":3}');
        }
      });

      it('switches to the new key version at the next send after rotation', async () => {
        const keys = LocalKeyring.inMemory(['acme']);
        const { producer, fake } = cached(keys, new FakeClock(0));
        await producer.send(order);
        keys.rotate('acme');
        await producer.send(order);
        expect(fake.sent.map((s) => s.headers['enc-kek'])).toEqual(['acme/v1', 'acme/v2']);
        expect(wrappedKey(fake.sent[1]!.value)).not.toBe(wrappedKey(fake.sent[0]!.value));
      });

      it('sends nothing more once the tenant is shredded, although a data key is cached', async () => {
        const keys = LocalKeyring.inMemory(['acme']);
        const { producer, fake } = cached(keys, new FakeClock(0));
        await producer.send(order);
        keys.shred('acme');
        await expect(producer.send(order)).rejects.toBeInstanceOf(KeyNotFoundError);
        expect(fake.sent).toHaveLength(1);
      });
    });

    it('uses the current key version after rotation', async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const { producer, fake } = producerFor({ id: 'acme', encryption: true }, { keyProvider: keys });
      await producer.send(order);
      keys.rotate('acme');
      await producer.send(order);
      expect(fake.sent.map((s) => s.headers['enc-kek'])).toEqual(['acme/v1', 'acme/v2']);
    });
  });

  describe('rate limiting', () => {
    it('in reject mode raises TenantRateLimitExceeded with retry-after and sends nothing more', async () => {
      const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2 }, new FakeClock(0));
      const { producer, fake } = producerFor(
        { id: 'bravo', encryption: false },
        { rateLimit: { bucket, mode: 'reject' } },
      );
      await producer.send(order);
      await producer.send(order);
      const error = await producer.send(order).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantRateLimitExceeded);
      expect(error).toMatchObject({ tenantId: 'bravo', retryAfterMs: 100 });
      expect(fake.sent).toHaveLength(2);
    });

    it('in wait mode waits for tokens', async () => {
      const clock = new FakeClock(0);
      const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2 }, clock);
      const { producer, fake } = producerFor(
        { id: 'bravo', encryption: false },
        { rateLimit: { bucket, mode: 'wait' } },
      );
      for (let i = 0; i < 5; i++) await producer.send(order);
      expect(fake.sent).toHaveLength(5);
      expect(clock.now()).toBe(300);
    });

    it('counts one token per record of a batch, and takes none for a batch that fails validation', async () => {
      const bucket = new TokenBucket({ ratePerSecond: 1, burst: 3 }, new FakeClock(0));
      const { producer } = producerFor({ id: 'bravo', encryption: false }, { rateLimit: { bucket, mode: 'reject' } });
      await expect(producer.sendBatch([order, { ...order, aggregateId: '' }])).rejects.toBeInstanceOf(
        InvalidRecordError,
      );
      expect(bucket.available(0)).toBe(3);
      await producer.sendBatch([order, order]);
      expect(bucket.available(0)).toBe(1);
    });
  });

  describe('placement on shared topics', () => {
    it("puts a dedicated tenant's records on its partitions and everyone else's on the shared ones", async () => {
      const keys = LocalKeyring.inMemory(['acme']);
      const acme = producerFor({ id: 'acme', encryption: true }, { keyProvider: keys });
      const bravo = producerFor({ id: 'bravo', encryption: false });
      const records = [...Array(40).keys()].map((i) => ({ ...order, aggregateId: `order-${i}` }));
      await acme.producer.sendBatch(records);
      await bravo.producer.sendBatch(records);
      expect(new Set(acme.fake.sent.map((s) => s.partition))).toEqual(new Set([4, 5]));
      expect(bravo.fake.sent.every((s) => [0, 1, 2, 3].includes(s.partition!))).toBe(true);
    });

    it('leaves partitioning of topics outside the map to the producer', async () => {
      const { producer, fake } = producerFor({ id: 'bravo', encryption: false });
      await producer.send({ ...order, topic: 'bravo.orders' });
      expect(fake.sent[0]!.partition).toBeUndefined();
    });

    it('sends a batch over several topics in one kafkajs sendBatch', async () => {
      const { producer, fake } = producerFor({ id: 'bravo', encryption: false });
      await producer.sendBatch([order, { ...order, topic: 'bravo.orders' }, { ...order, aggregateId: 'order-2' }]);
      expect(fake.batches).toHaveLength(1);
      expect(fake.batches[0]!.topicMessages!.map((t) => [t.topic, t.messages.length])).toEqual([
        [SHARED, 2],
        ['bravo.orders', 1],
      ]);
    });
  });

  it('builds its own producer from a Kafka client, with the tenant partitioner', () => {
    const kafka = new FakeKafka();
    new TenantProducer({
      tenant: { id: 'bravo', encryption: false },
      kafka: kafka.asKafka(),
      partitionMap,
      producerConfig: { idempotent: false },
    });
    expect(kafka.producers[0]!.config).toMatchObject({ idempotent: false, createPartitioner: expect.any(Function) });
  });
});
