import { AssignerProtocol, type Admin, type IHeaders } from 'kafkajs';
import {
  type ConsumedRecord,
  EncryptionUnavailableError,
  type KeyProvider,
  LocalKeyring,
  PartitionAssignmentError,
  PartitionMapIndex,
  PlatformConsumer,
  type RecordRejection,
  type SdkLogger,
  TenantConsumer,
  TenantProducer,
  dedicatedAssignerName,
  dedicatedPartitionAssigner,
  replayTenant,
} from '../../../src/sdk';
import { FakeConsumer, FakeKafka, FakeProducer, type SentMessage, asFetched, fetched } from './fakes';

const SHARED = 'shared.orders.placed';
const OWN = 'acme.orders';
const SECRET = 'card 4111-1111';
const partitionMap = new PartitionMapIndex({
  version: 1,
  environment: 'test',
  topics: { [SHARED]: { partitions: 6, dedicated: { acme: [4, 5] } } },
});

const acme = { id: 'acme', encryption: true };
const bravo = { id: 'bravo', encryption: false };

/** Records as the real producer writes them, for `tenant`. */
async function produced(
  tenant: { id: string; encryption: boolean },
  keys: KeyProvider,
  topic: string,
  aggregateId = 'order-1',
): Promise<SentMessage> {
  const fake = new FakeProducer();
  const producer = new TenantProducer({ tenant, keyProvider: keys, producer: fake.asProducer(), partitionMap });
  await producer.send({ topic, aggregateId, eventType: 'order.placed', value: SECRET });
  return fake.sent[0]!;
}

interface Harness {
  readonly kafka: FakeKafka;
  readonly fakeConsumer: FakeConsumer;
  readonly handled: ConsumedRecord[];
  readonly handler: jest.Mock<Promise<void>, [ConsumedRecord]>;
  readonly logger: { warn: jest.Mock<void, Parameters<SdkLogger['warn']>> };
  readonly keys: LocalKeyring;
  readonly kek: jest.SpyInstance;
  readonly currentKek: jest.SpyInstance;
  readonly rejected: RecordRejection[];
  deliver(topic: string, partition: number, message: Parameters<FakeConsumer['deliver']>[2]): Promise<void>;
}

async function tenantConsumer(options: { dedicated?: boolean; tenant?: typeof acme; topics?: string[] } = {}) {
  const kafka = new FakeKafka();
  const keys = LocalKeyring.inMemory(['acme', 'bravo']);
  const handled: ConsumedRecord[] = [];
  const handler = jest.fn(async (r: ConsumedRecord) => {
    handled.push(r);
  });
  const logger = { warn: jest.fn<void, Parameters<SdkLogger['warn']>>() };
  const rejected: RecordRejection[] = [];
  const consumer = new TenantConsumer({
    tenant: options.tenant ?? acme,
    kafka: kafka.asKafka(),
    group: 'billing',
    keyProvider: keys,
    partitionMap,
    dedicated: options.dedicated,
    logger,
    onRejected: (e) => {
      rejected.push(e);
    },
  });
  await consumer.subscribe(options.topics ?? [OWN]);
  await consumer.run(handler);
  const fakeConsumer = kafka.consumers[0]!;
  const h: Harness = {
    kafka,
    fakeConsumer,
    handled,
    handler,
    logger,
    keys,
    // spies are installed after the records under test were produced (see `spyOnKeys`)
    kek: jest.spyOn(keys, 'kek'),
    currentKek: jest.spyOn(keys, 'currentKek'),
    rejected,
    deliver: (topic, partition, message) => fakeConsumer.deliver(topic, partition, message),
  };
  return { consumer, h };
}

describe('TenantConsumer', () => {
  it('always uses a group under the tenant prefix', async () => {
    const { consumer, h } = await tenantConsumer();
    expect(consumer.groupId).toBe('acme.billing');
    expect(h.fakeConsumer.config.groupId).toBe('acme.billing');
  });

  it('hands its own records to the handler, decrypted', async () => {
    const { consumer, h } = await tenantConsumer();
    const sent = await produced(acme, h.keys, OWN);
    await h.deliver(OWN, 0, asFetched(sent));
    expect(h.handled).toHaveLength(1);
    expect(h.handled[0]).toMatchObject({
      tenantId: 'acme',
      aggregateId: 'order-1',
      key: 'acme:order-1',
      eventType: 'order.placed',
      encrypted: true,
      kekVersion: 1,
      topic: OWN,
    });
    expect(h.handled[0]!.value!.toString()).toBe(SECRET);
    // the spies see decryption when it does happen (so their silence in the mismatch cases means something)
    expect(h.kek).toHaveBeenCalledWith('acme', 1);
    expect(consumer.metrics()).toEqual({
      accepted: 1,
      skippedVerification: 0,
      rejected: { tenant_mismatch: 0, unencrypted_record: 0, decryption_failed: 0 },
    });
  });

  it('skips records of verification runs before any check, counting them', async () => {
    const { consumer, h } = await tenantConsumer();
    const sent = await produced(acme, h.keys, OWN);
    const probe = asFetched(sent);
    probe.headers = { ...probe.headers, 'kafka-tenancy-verify': 'run-1' };
    await h.deliver(OWN, 0, probe);
    expect(h.handler).not.toHaveBeenCalled();
    expect(consumer.metrics()).toMatchObject({ accepted: 0, skippedVerification: 1 });
  });

  describe('rejects tenant mismatches before decrypting or calling the handler', () => {
    const cases: [string, (s: SentMessage) => { key?: string; headers?: IHeaders }][] = [
      ['a tenant-id header of another tenant', (s) => ({ headers: { ...s.headers, 'tenant-id': 'bravo' } })],
      ['a key prefix of another tenant', () => ({ key: 'bravo:order-1' })],
      [
        'header and key of another tenant',
        (s) => ({ key: 'bravo:order-1', headers: { ...s.headers, 'tenant-id': 'bravo' } }),
      ],
      ['no tenant-id header', (s) => ({ headers: { ...s.headers, 'tenant-id': undefined } })],
      ['a repeated tenant-id header', (s) => ({ headers: { ...s.headers, 'tenant-id': ['acme', 'bravo'] } })],
      ['a key without tenant prefix', () => ({ key: 'order-1' })],
      ['a key of a look-alike tenant', () => ({ key: 'acme-eu:order-1' })],
      ['an encryption key of another tenant', (s) => ({ headers: { ...s.headers, 'enc-kek': 'bravo/v1' } })],
    ];

    it.each(cases)('%s', async (_, tamper) => {
      const { consumer, h } = await tenantConsumer();
      const sent = await produced(acme, h.keys, OWN);
      h.kek.mockClear();
      h.currentKek.mockClear();
      await h.deliver(OWN, 3, asFetched(sent, tamper(sent)));
      expect(h.kek).not.toHaveBeenCalled();
      expect(h.currentKek).not.toHaveBeenCalled();
      expect(h.handler).not.toHaveBeenCalled();
      expect(consumer.metrics().rejected.tenant_mismatch).toBe(1);
      expect(h.rejected[0]).toMatchObject({ code: 'tenant_mismatch', security: true });
    });
  });

  it('logs a rejection with where it was and whom it claimed, never the payload or aggregate id', async () => {
    const { h } = await tenantConsumer({ tenant: bravo });
    const sent = await produced(bravo, h.keys, OWN, 'customer-jane-doe');
    await h.deliver(OWN, 2, asFetched(sent, { headers: { ...sent.headers, 'tenant-id': 'acme' } }));
    expect(h.logger.warn).toHaveBeenCalledTimes(1);
    const [message, fields] = h.logger.warn.mock.calls[0]!;
    expect(message).toBe('record rejected');
    expect(fields).toMatchObject({
      code: 'tenant_mismatch',
      topic: OWN,
      partition: 2,
      expectedTenant: 'bravo',
      headerTenant: 'acme',
      keyTenant: 'bravo',
    });
    const logged = JSON.stringify(fields);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('jane-doe');
  });

  it('fails closed: rejects a clear-text record of a tenant that requires encryption', async () => {
    const { consumer, h } = await tenantConsumer();
    const clear = fetched({ key: 'acme:order-1', value: SECRET, headers: { 'tenant-id': 'acme', 'event-type': 'x' } });
    await h.deliver(OWN, 0, clear);
    expect(h.handler).not.toHaveBeenCalled();
    expect(consumer.metrics().rejected.unencrypted_record).toBe(1);
  });

  it('fails closed: refuses to start for an encrypted tenant without key provider', () => {
    expect(() => new TenantConsumer({ tenant: acme, kafka: new FakeKafka().asKafka(), group: 'g' })).toThrow(
      EncryptionUnavailableError,
    );
  });

  it('rejects a tampered ciphertext and keeps consuming', async () => {
    const { consumer, h } = await tenantConsumer();
    const sent = await produced(acme, h.keys, OWN);
    const tampered = Buffer.from(sent.value);
    tampered[tampered.length - 20]! ^= 1;
    await h.deliver(OWN, 0, asFetched(sent, { value: tampered }));
    await h.deliver(OWN, 0, asFetched(sent));
    expect(consumer.metrics()).toMatchObject({ accepted: 1, rejected: { decryption_failed: 1 } });
  });

  it('rejects a record copied from another topic (the topic is bound into the ciphertext)', async () => {
    const { consumer, h } = await tenantConsumer();
    const sent = await produced(acme, h.keys, 'acme.other');
    await h.deliver(OWN, 0, asFetched(sent));
    expect(consumer.metrics().rejected.decryption_failed).toBe(1);
    expect(h.handler).not.toHaveBeenCalled();
  });

  it('lets handler errors and key provider outages through, so kafkajs retries', async () => {
    const { consumer, h } = await tenantConsumer();
    const sent = await produced(acme, h.keys, OWN);
    h.handler.mockRejectedValueOnce(new Error('db down'));
    await expect(h.deliver(OWN, 0, asFetched(sent))).rejects.toThrow('db down');
    h.kek.mockRejectedValueOnce(new Error('kms timeout'));
    await expect(h.deliver(OWN, 0, asFetched(sent))).rejects.toThrow('kms timeout');
    expect(consumer.metrics().rejected).toEqual({ tenant_mismatch: 0, unencrypted_record: 0, decryption_failed: 0 });
  });

  describe('subscriptions', () => {
    it('refuses a shared topic in normal mode', async () => {
      await expect(tenantConsumer({ topics: [SHARED] })).rejects.toThrow(/shared topic.*PlatformConsumer/);
    });

    it('in dedicated mode accepts only shared topics where the tenant has dedicated partitions', async () => {
      await expect(tenantConsumer({ dedicated: true, topics: [OWN] })).rejects.toThrow(PartitionAssignmentError);
      await expect(tenantConsumer({ dedicated: true, tenant: bravo, topics: [SHARED] })).rejects.toThrow(
        /no dedicated partitions/,
      );
      const { h } = await tenantConsumer({ dedicated: true, topics: [SHARED] });
      expect(h.fakeConsumer.config.partitionAssigners).toHaveLength(1);
    });
  });
});

describe('dedicatedPartitionAssigner', () => {
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      [...Array(topic === SHARED ? 6 : 2).keys()].map((partitionId) => ({
        partitionId,
        leader: 1,
        replicas: [1],
        isr: [1],
        partitionErrorCode: 0,
      })),
  };
  const assigner = dedicatedPartitionAssigner(
    partitionMap,
    'acme',
  )({ cluster, groupId: 'acme.g', logger: {} } as never);
  const decode = (b: Buffer) => AssignerProtocol.MemberAssignment.decode(b)!.assignment;

  it("hands exactly the tenant's partitions to a single member", async () => {
    const result = await assigner.assign({
      members: [{ memberId: 'm1', memberMetadata: Buffer.alloc(0) }],
      topics: [SHARED],
    });
    expect(result.map((r) => [r.memberId, decode(r.memberAssignment)])).toEqual([['m1', { [SHARED]: [4, 5] }]]);
  });

  it('splits them over several members and gives nobody anything else', async () => {
    const members = ['m2', 'm1', 'm3'].map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) }));
    const result = await assigner.assign({ members, topics: [SHARED] });
    const all = result.flatMap((r) => decode(r.memberAssignment)[SHARED] ?? []);
    expect(all.sort()).toEqual([4, 5]);
    expect(result).toHaveLength(3);
  });

  it('has a protocol name of its own tenant, so other assigners cannot join the group', () => {
    expect(assigner.name).toBe(dedicatedAssignerName('acme'));
    expect(assigner.protocol({ topics: [SHARED] }).name).toBe('kafka-tenancy-dedicated-acme');
  });

  it('refuses topics without dedicated partitions and partitions the cluster lacks', async () => {
    const member = [{ memberId: 'm1', memberMetadata: Buffer.alloc(0) }];
    await expect(assigner.assign({ members: member, topics: ['acme.orders'] })).rejects.toThrow(
      PartitionAssignmentError,
    );
    const small = dedicatedPartitionAssigner(
      new PartitionMapIndex({
        version: 1,
        environment: 't',
        topics: { x: { partitions: 6, dedicated: { acme: [5] } } },
      }),
      'acme',
    )({ cluster, groupId: 'acme.g', logger: {} } as never);
    await expect(small.assign({ members: member, topics: ['x'] })).rejects.toThrow(/do not exist on the cluster/);
  });
});

describe('PlatformConsumer', () => {
  async function platform() {
    const kafka = new FakeKafka();
    const keys = LocalKeyring.inMemory(['acme', 'bravo']);
    const handler = jest.fn(async (_r: ConsumedRecord) => {});
    const consumer = new PlatformConsumer({
      kafka: kafka.asKafka(),
      groupId: 'platform.analytics',
      tenants: [acme, bravo],
      keyProvider: keys,
      logger: { warn: () => {} },
    });
    await consumer.subscribe([SHARED]);
    await consumer.run(handler);
    const kek = jest.spyOn(keys, 'kek');
    return {
      consumer,
      keys,
      handler,
      kek,
      deliver: (m: ReturnType<typeof fetched>, p = 0) => kafka.consumers[0]!.deliver(SHARED, p, m),
    };
  }

  it("reads records of many tenants, each decrypted with its own tenant's key", async () => {
    const p = await platform();
    await p.deliver(asFetched(await produced(acme, p.keys, SHARED)));
    await p.deliver(asFetched(await produced(bravo, p.keys, SHARED)));
    expect(p.handler.mock.calls.map(([r]) => [r.tenantId, r.encrypted, r.value!.toString()])).toEqual([
      ['acme', true, SECRET],
      ['bravo', false, SECRET],
    ]);
    expect(p.consumer.groupId).toBe('platform.analytics');
  });

  it('rejects a record whose header does not match its key prefix, before decrypting', async () => {
    const p = await platform();
    const sent = await produced(acme, p.keys, SHARED);
    p.kek.mockClear();
    await p.deliver(asFetched(sent, { headers: { ...sent.headers, 'tenant-id': 'bravo' } }));
    expect(p.kek).not.toHaveBeenCalled();
    expect(p.handler).not.toHaveBeenCalled();
    expect(p.consumer.metrics().rejected.tenant_mismatch).toBe(1);
  });

  it('rejects records of unknown tenants, and clear-text records of tenants that require encryption', async () => {
    const p = await platform();
    await p.deliver(fetched({ key: 'zulu:1', value: 'x', headers: { 'tenant-id': 'zulu' } }));
    await p.deliver(fetched({ key: 'acme:1', value: 'x', headers: { 'tenant-id': 'acme' } }));
    expect(p.handler).not.toHaveBeenCalled();
    expect(p.consumer.metrics().rejected).toMatchObject({ tenant_mismatch: 1, unencrypted_record: 1 });
  });

  it("rejects a tenant forging another tenant's identity on an encrypted record", async () => {
    // bravo writes a record claiming to be acme: it cannot produce a valid acme envelope
    const p = await platform();
    const forgedWithOwnKey = await produced(bravo, p.keys, SHARED);
    const bravoSealed = await produced({ id: 'bravo', encryption: true }, p.keys, SHARED);
    await p.deliver(
      asFetched(bravoSealed, { key: 'acme:order-1', headers: { ...bravoSealed.headers, 'tenant-id': 'acme' } }),
    );
    await p.deliver(
      asFetched(bravoSealed, {
        key: 'acme:order-1',
        headers: { ...bravoSealed.headers, 'tenant-id': 'acme', 'enc-kek': 'acme/v1' },
      }),
    );
    await p.deliver(
      asFetched(forgedWithOwnKey, {
        key: 'acme:order-1',
        headers: { ...forgedWithOwnKey.headers, 'tenant-id': 'acme' },
      }),
    );
    expect(p.handler).not.toHaveBeenCalled();
    expect(p.consumer.metrics().rejected).toEqual({ tenant_mismatch: 1, decryption_failed: 1, unencrypted_record: 1 });
  });
});

describe('PlatformConsumer dedicated to one tenant (dedicatedTo)', () => {
  async function dedicated(topics = [SHARED]) {
    const kafka = new FakeKafka();
    const keys = LocalKeyring.inMemory(['acme', 'bravo']);
    const handler = jest.fn(async (_r: ConsumedRecord) => {});
    const consumer = new PlatformConsumer({
      kafka: kafka.asKafka(),
      groupId: 'platform.fulfilment.acme-dedicated',
      tenants: [acme, bravo],
      dedicatedTo: 'acme',
      partitionMap,
      keyProvider: keys,
      logger: { warn: () => {} },
    });
    await consumer.subscribe(topics);
    await consumer.run(handler);
    const fake = kafka.consumers[0]!;
    return {
      consumer,
      keys,
      handler,
      fake,
      deliver: (m: ReturnType<typeof fetched>, p = 4) => fake.deliver(SHARED, p, m),
    };
  }

  it("joins the platform's own group with the tenant's dedicated assigner as the only assigner", async () => {
    const { consumer, fake } = await dedicated();
    expect(consumer.groupId).toBe('platform.fulfilment.acme-dedicated');
    expect(consumer.dedicatedTo).toBe('acme');
    expect(fake.config.groupId).toBe('platform.fulfilment.acme-dedicated');
    expect(fake.config.partitionAssigners).toHaveLength(1);
    const assigner = fake.config.partitionAssigners![0]!({
      cluster: { findTopicPartitionMetadata: () => [] },
      groupId: fake.config.groupId,
      logger: {},
    } as never);
    expect(assigner.name).toBe(dedicatedAssignerName('acme'));
  });

  it("admits the tenant's records, decrypted, and rejects any other tenant's record found on its partitions", async () => {
    const p = await dedicated();
    await p.deliver(asFetched(await produced(acme, p.keys, SHARED)));
    await p.deliver(asFetched(await produced(bravo, p.keys, SHARED)));
    expect(p.handler.mock.calls.map(([r]) => [r.tenantId, r.value!.toString()])).toEqual([['acme', SECRET]]);
    expect(p.consumer.metrics()).toEqual({
      accepted: 1,
      skippedVerification: 0,
      rejected: { tenant_mismatch: 1, unencrypted_record: 0, decryption_failed: 0 },
    });
  });

  it('subscribes only to shared topics on which the tenant has dedicated partitions', async () => {
    await expect(dedicated([OWN])).rejects.toThrow(/no dedicated partitions on "acme.orders"/);
    const kafka = new FakeKafka();
    const bravoDedicated = new PlatformConsumer({
      kafka: kafka.asKafka(),
      groupId: 'platform.fulfilment.bravo',
      tenants: [bravo],
      dedicatedTo: 'bravo',
      partitionMap,
    });
    await expect(bravoDedicated.subscribe([SHARED])).rejects.toThrow(PartitionAssignmentError);
    expect(kafka.consumers[0]!.subscriptions).toEqual([]);
  });

  it('needs the partition map and the identity of the tenant it is dedicated to', () => {
    const kafka = new FakeKafka().asKafka();
    const keys = LocalKeyring.inMemory(['acme']);
    const base = { kafka, groupId: 'platform.fulfilment.x', keyProvider: keys };
    expect(() => new PlatformConsumer({ ...base, tenants: [acme], dedicatedTo: 'acme' })).toThrow(/partition map/);
    expect(() => new PlatformConsumer({ ...base, tenants: [bravo], dedicatedTo: 'acme', partitionMap })).toThrow(
      /not one of tenants/,
    );
    expect(() => new PlatformConsumer({ ...base, tenants: [acme], dedicatedTo: 'Acme!', partitionMap })).toThrow(
      /tenant id/,
    );
  });
});

describe('replayTenant', () => {
  function fakeAdmin() {
    const calls: { groupId: string; topic: string; partitions: { partition: number; offset: string }[] }[] = [];
    const admin = {
      setOffsets: jest.fn(async (o: (typeof calls)[number]) => {
        calls.push(o);
      }),
      fetchTopicOffsets: jest.fn(async () =>
        [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, offset: '100', high: '100', low: String(partition * 10) })),
      ),
      fetchTopicOffsetsByTimestamp: jest.fn(async () =>
        [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, offset: String(50 + partition) })),
      ),
    };
    return {
      admin: admin as unknown as Pick<Admin, 'setOffsets' | 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp'>,
      calls,
      raw: admin,
    };
  }

  it("rewinds only the tenant's own group to the earliest offsets", async () => {
    const { admin, calls } = fakeAdmin();
    const result = await replayTenant(admin, 'acme', 'billing', OWN, 'earliest');
    expect(result.groupId).toBe('acme.billing');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      groupId: 'acme.billing',
      topic: OWN,
      partitions: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, offset: String(partition * 10) })),
    });
  });

  it('rewinds to a timestamp', async () => {
    const { admin, calls, raw } = fakeAdmin();
    await replayTenant(admin, 'acme', 'billing', OWN, 1_700_000_000_000);
    expect(raw.fetchTopicOffsetsByTimestamp).toHaveBeenCalledWith(OWN, 1_700_000_000_000);
    expect(calls[0]!.partitions[0]).toEqual({ partition: 0, offset: '50' });
  });

  it("on a shared topic touches only the tenant's dedicated partitions", async () => {
    const { admin, calls } = fakeAdmin();
    await replayTenant(admin, 'acme', 'billing', SHARED, 'earliest', { partitionMap });
    expect(calls[0]!.partitions.map((p) => p.partition)).toEqual([4, 5]);
  });

  it("cannot be aimed at another tenant's group", async () => {
    const { admin, calls } = fakeAdmin();
    await replayTenant(admin, 'acme', 'bravo.billing', OWN, 'earliest');
    expect(calls[0]!.groupId).toBe('acme.bravo.billing');
  });
});
