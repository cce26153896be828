/**
 * Topics that declare `compression.type` (zstd, lz4, snappy): the broker serves their batches in that codec whatever
 * the producer sent, and kafkajs ships only GZIP. Every client of ours (verify, decommission checks, the SDK's
 * consumers) goes through kafkaClient, which registers the other codecs (src/kafka/codecs.ts). Found by the 200-tenant
 * bench: verify's positive consume errored on such topics ("ZSTD compression not implemented").
 *
 * Real broker: topics created as the admin with each codec, records produced uncompressed and with the client-side
 * Snappy, read back and compared. Topics are deleted afterwards.
 */
import { CompressionTypes } from 'kafkajs';
import { adminCredentials } from '../../src/platform/identities';
import { kafkaClient } from '../../src/kafka/client';
import { withDeadline } from '../../src/kafka/deadline';
import { type LocalPlatform, requireLocalPlatform, suffix } from './support';

jest.setTimeout(120_000);

describe('topics compressed by the broker (compression.type) are readable by our clients', () => {
  let platform: LocalPlatform;
  const run = `cmp${suffix()}`;
  const topics = ['zstd', 'lz4', 'snappy', 'gzip'].map((codec) => ({ codec, name: `${run}.${codec}` }));

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    const admin = platform.admin('shared');
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((t) => ({
          topic: t.name,
          numPartitions: 1,
          configEntries: [{ name: 'compression.type', value: t.codec }],
        })),
      });
    } finally {
      await admin.disconnect();
    }
  });

  afterAll(async () => {
    const admin = platform.admin('shared');
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: topics.map((t) => t.name) });
    } finally {
      await admin.disconnect();
    }
  });

  it.each(topics.map((t) => [t.codec, t] as const))('%s', async (_codec, { name }) => {
    const client = kafkaClient(platform.brokers('shared'), adminCredentials(platform.secrets, 'shared'));
    const sent = Array.from({ length: 50 }, (_, i) => `${name} record ${i} `.repeat(20));
    const producer = client.producer();
    await producer.connect();
    try {
      // uncompressed, then Snappy client-side (LZ4 and ZSTD are read-only here: the broker compresses)
      await producer.send({ topic: name, acks: -1, messages: sent.slice(0, 30).map((value) => ({ value })) });
      await producer.send({
        topic: name,
        acks: -1,
        compression: CompressionTypes.Snappy,
        messages: sent.slice(30).map((value) => ({ value })),
      });
      await expect(
        producer.send({ topic: name, compression: CompressionTypes.ZSTD, messages: [{ value: 'x' }] }),
      ).rejects.toThrow(/producing ZSTD-compressed batches is not supported by this client/);
    } finally {
      await producer.disconnect();
    }
    const consumer = client.consumer({ groupId: `${name}.reader` });
    const received: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: name, fromBeginning: true });
      await withDeadline(
        new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async ({ message }) => {
                received.push(message.value!.toString());
                if (received.length === sent.length) resolve();
              },
            })
            .catch(reject);
          consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
        }),
        60_000,
        `reading ${name}`,
      );
    } finally {
      await consumer.disconnect();
    }
    expect(received).toEqual(sent);
  });
});
