/**
 * Origin-topic binding (issue 14, shared → topic-per-tenant): the copier moves ciphertext byte for byte and adds
 * `kt-origin-topic`; the SDK consumer opens such a record with the origin in the AAD only when the origin is declared
 * for the topic it reads.
 */
import type { IHeaders } from 'kafkajs';
import {
  type ConsumedRecord,
  DecryptionError,
  InvalidRecordError,
  LocalKeyring,
  PartitionMapIndex,
  type RecordRejection,
  TenantConsumer,
  TenantProducer,
  aadTopic,
} from '../../src/sdk';
import { FakeKafka, FakeProducer, type SentMessage, asFetched } from './sdk/fakes';

const PLACED = 'shared.orders.placed';
const SHIPPED = 'shared.orders.shipped';
const TARGET = 'acme.orders.placed';
const SECRET = 'card 4111-1111';
const partitionMap = new PartitionMapIndex({
  version: 1,
  environment: 'test',
  topics: { [PLACED]: { partitions: 6, dedicated: {} }, [SHIPPED]: { partitions: 3, dedicated: {} } },
});
const acme = { id: 'acme', encryption: true };
const globex = { id: 'globex', encryption: true };
const keys = LocalKeyring.inMemory(['acme', 'globex']);

async function producedOn(tenant: typeof acme, topic: string, aggregateId = 'order-1'): Promise<SentMessage> {
  const fake = new FakeProducer();
  const producer = new TenantProducer({ tenant, keyProvider: keys, producer: fake.asProducer(), partitionMap });
  await producer.send({ topic, aggregateId, eventType: 'order.placed', value: SECRET });
  return fake.sent[0]!;
}

/** What the copier writes for `sent`: the same bytes plus provenance. */
const copied = (sent: SentMessage, origin: string, extra: Partial<SentMessage> = {}) =>
  asFetched(sent, {
    key: extra.key ?? sent.key,
    value: extra.value ?? sent.value,
    headers: { ...(extra.headers ?? sent.headers), 'kt-origin-topic': origin, 'kt-origin-offset': '3/17' },
  });

function consumerWith(acceptedOrigins?: Record<string, readonly string[]>) {
  const kafka = new FakeKafka();
  const handled: ConsumedRecord[] = [];
  const rejected: RecordRejection[] = [];
  const consumer = new TenantConsumer({
    tenant: acme,
    kafka: kafka.asKafka(),
    group: 'billing',
    keyProvider: keys,
    logger: { warn: () => undefined },
    ...(acceptedOrigins ? { acceptedOrigins } : {}),
    onRejected: (e) => {
      rejected.push(e);
    },
  });
  const deliver = async (message: ReturnType<typeof asFetched>, topic = TARGET) =>
    consumer.handle({ topic, partition: 0, message }, async (r) => {
      handled.push(r);
    });
  return { consumer, handled, rejected, deliver };
}

describe('TenantConsumer acceptedOrigins (migration copies)', () => {
  it('opens a record copied from a declared origin with the origin topic in the AAD', async () => {
    const c = consumerWith({ [TARGET]: [PLACED] });
    await c.deliver(copied(await producedOn(acme, PLACED), PLACED));
    expect(c.handled).toHaveLength(1);
    expect(c.handled[0]!.value!.toString()).toBe(SECRET);
    expect(c.handled[0]!.topic).toBe(TARGET);
  });

  it('rejects an undeclared origin, counted as a decryption failure (context_mismatch)', async () => {
    const c = consumerWith({ [TARGET]: [PLACED] });
    // really from shipped, honestly labelled, but shipped → acme.orders.placed was never declared
    await c.deliver(copied(await producedOn(acme, SHIPPED), SHIPPED));
    expect(c.handled).toHaveLength(0);
    expect(c.consumer.metrics().rejected.decryption_failed).toBe(1);
    expect(c.rejected[0]).toBeInstanceOf(DecryptionError);
    expect((c.rejected[0] as DecryptionError).reason).toBe('context_mismatch');
  });

  it('rejects every origin when none is declared (the default), and an origin declared for another topic', async () => {
    const none = consumerWith();
    await none.deliver(copied(await producedOn(acme, PLACED), PLACED));
    const other = consumerWith({ 'acme.orders.shipped': [PLACED] });
    await other.deliver(copied(await producedOn(acme, PLACED), PLACED));
    for (const c of [none, other]) {
      expect(c.handled).toHaveLength(0);
      expect(c.consumer.metrics().rejected.decryption_failed).toBe(1);
    }
  });

  it('fails authentication when the header names a declared origin the record was not encrypted for', async () => {
    const c = consumerWith({ [TARGET]: [PLACED, SHIPPED] });
    await c.deliver(copied(await producedOn(acme, SHIPPED), PLACED));
    expect(c.handled).toHaveLength(0);
    expect((c.rejected[0] as DecryptionError).reason).toBe('authentication_failed');
  });

  it('uses the record’s own topic when the header is absent', async () => {
    const c = consumerWith({ [TARGET]: [PLACED] });
    await c.deliver(asFetched(await producedOn(acme, TARGET)));
    // a shared-topic record moved without provenance does not open on the target
    await c.deliver(asFetched(await producedOn(acme, PLACED)));
    expect(c.handled).toHaveLength(1);
    expect(c.handled[0]!.value!.toString()).toBe(SECRET);
    expect((c.rejected[0] as DecryptionError).reason).toBe('authentication_failed');
  });

  it("rejects a record copied from another tenant's key, however its claims are rewritten", async () => {
    const c = consumerWith({ [TARGET]: [PLACED] });
    const theirs = await producedOn(globex, PLACED);
    // as is: tenant-id globex on acme's consumer
    await c.deliver(copied(theirs, PLACED));
    // claims rewritten to acme, globex's KEK still named
    const rewritten: IHeaders = { ...theirs.headers, 'tenant-id': 'acme' };
    await c.deliver(copied(theirs, PLACED, { key: 'acme:order-1', headers: rewritten }));
    // and with acme's KEK named: the wrapped key and the AAD are globex's
    await c.deliver(copied(theirs, PLACED, { key: 'acme:order-1', headers: { ...rewritten, 'enc-kek': 'acme/v1' } }));
    expect(c.handled).toHaveLength(0);
    expect(c.rejected.map((r) => r.code)).toEqual(['tenant_mismatch', 'tenant_mismatch', 'decryption_failed']);
  });

  it('rejects a repeated origin header', async () => {
    const c = consumerWith({ [TARGET]: [PLACED] });
    const sent = await producedOn(acme, PLACED);
    await c.deliver(asFetched(sent, { headers: { ...sent.headers, 'kt-origin-topic': [PLACED, PLACED] } }));
    expect(c.consumer.metrics().rejected.decryption_failed).toBe(1);
  });
});

describe('aadTopic', () => {
  it('ignores inherited properties of the declaration object', () => {
    expect(() => aadTopic('constructor', { 'kt-origin-topic': 'x' }, {})).toThrow(DecryptionError);
    expect(aadTopic(TARGET, {}, {})).toBe(TARGET);
  });
});

describe('TenantProducer and provenance headers', () => {
  it.each(['kt-origin-topic', 'kt-origin-offset', 'kt-origin-anything'])('refuses a caller’s %s', async (h) => {
    const fake = new FakeProducer();
    const producer = new TenantProducer({ tenant: acme, keyProvider: keys, producer: fake.asProducer() });
    await expect(
      producer.send({ topic: TARGET, aggregateId: 'o', eventType: 'e', value: 'v', headers: { [h]: PLACED } }),
    ).rejects.toBeInstanceOf(InvalidRecordError);
    expect(fake.sent).toHaveLength(0);
  });
});
