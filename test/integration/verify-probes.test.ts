/**
 * The broker behaviours the verification's probes rely on, pinned on the live local platform (a Kafka upgrade that
 * changes one of them fails here, not silently in a passing `verify`):
 *
 * - a produce to a partition that does not exist is authorized first: refused → TOPIC_AUTHORIZATION_FAILED,
 *   allowed → UNKNOWN_TOPIC_OR_PARTITION, and nothing is written either way;
 * - only the broker's invalid-credentials answer is SASL_AUTHENTICATION_FAILED; a SASL exchange that times out or
 *   loses its connection (kafkajs wraps both in the same error class) is SASL_ERROR, and the dedicated-tier check
 *   reports `error`, not a pass.
 */
import * as net from 'node:net';
import { SASL_ERROR, kafkaClient, kafkaErrorType } from '../../src/kafka/client';
import { adminCredentials } from '../../src/platform/identities';
import type { Model } from '../../src/model/types';
import { runVerification } from '../../src/verify';
import { RawSession, answer, showAnswer } from '../../src/verify/raw';
import { type LocalPlatform, requireLocalPlatform } from './support';
import { ensureFleetDeployed } from './verify-support';

jest.setTimeout(120_000);

const SASL_AUTHENTICATE = 36;

/**
 * A TCP proxy to a broker that forwards everything except a SaslAuthenticate request of a user whose name starts
 * with `victim` (the SCRAM client-first message carries `n=<user>`): that one it swallows (`stall`) or answers by
 * closing the connection (`drop`). Everyone else, the admin included, passes.
 */
async function saslProxy(target: string, victim: string, mode: 'stall' | 'drop'): Promise<net.Server> {
  const [host, port] = target.split(':') as [string, string];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    upstream.pipe(client);
    let buf = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6) {
        const size = buf.readInt32BE(0);
        if (buf.length < 4 + size) break;
        const frame = buf.subarray(0, 4 + size);
        buf = buf.subarray(4 + size);
        if (frame.readInt16BE(4) === SASL_AUTHENTICATE && frame.includes(`n=${victim}`)) {
          if (mode === 'drop') {
            client.destroy();
            upstream.destroy();
          }
          return;
        }
        upstream.write(frame);
      }
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const addressOf = (s: net.Server) => `127.0.0.1:${(s.address() as net.AddressInfo).port}`;

describe('broker behaviours the verify probes rely on', () => {
  let platform: LocalPlatform;
  let model: Model;

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    model = await ensureFleetDeployed(platform);
  });

  describe('produce to a partition that does not exist', () => {
    const shared = () => model.env.sharedCluster;
    const acme = () => model.tenants.find((t) => t.id === 'acme')!;
    const principal = (user: string) => model.tenants.flatMap((t) => t.principals).find((p) => p.username === user)!;
    const session = (user: string) =>
      RawSession.open(platform.brokers(shared()), {
        username: user,
        password: platform.secrets.get(principal(user).secretName)!,
      });

    it('is refused with TOPIC_AUTHORIZATION_FAILED when WRITE is denied, UNKNOWN_TOPIC_OR_PARTITION when allowed, and writes nothing', async () => {
      const topic = acme().topics[0]!.name;
      const admin = platform.admin(shared());
      await admin.connect();
      const asAdmin = await RawSession.open(platform.brokers(shared()), adminCredentials(platform.secrets, shared()));
      const foreign = await session('globex.api');
      const owner = await session('acme.billing');
      try {
        const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
        const before = await admin.fetchTopicOffsets(topic);
        const probe = (s: RawSession) =>
          answer(
            async () => `offset ${await s.produce(topic, partitions, [{ key: 'kafka-tenancy-verify', value: 'x' }])}`,
          );
        expect(showAnswer(await probe(asAdmin))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
        expect(showAnswer(await probe(owner))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
        expect(showAnswer(await probe(foreign))).toBe('TOPIC_AUTHORIZATION_FAILED');
        const after = await admin.fetchTopicOffsets(topic);
        const high = (o: typeof before) => o.map((p) => `${p.partition}:${p.high}`).sort();
        expect(high(after)).toEqual(high(before));
      } finally {
        await Promise.all([asAdmin.close(), foreign.close(), owner.close(), admin.disconnect()]);
      }
    });
  });

  describe('SASL errors', () => {
    const finbank = () => model.tenants.find((t) => t.id === 'finbank')!;
    const user = () => finbank().principals[0]!;
    const loginThrough = async (broker: string, password: string) => {
      const admin = kafkaClient(
        [broker],
        { username: user().username, password },
        {
          retries: 0,
          requestTimeoutMs: 2000,
        },
      ).admin();
      const err = await admin.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      await admin.disconnect().catch(() => undefined);
      return err;
    };

    it("is SASL_AUTHENTICATION_FAILED only for the broker's invalid-credentials answer", async () => {
      const shared = platform.brokers(model.env.sharedCluster).bootstrapServers[0]!;
      const err = await loginThrough(shared, platform.secrets.get(user().secretName)!);
      expect(kafkaErrorType(err)).toBe('SASL_AUTHENTICATION_FAILED');
    });

    it.each(['stall', 'drop'] as const)('is SASL_ERROR when the exchange breaks off (%s)', async (mode) => {
      const proxy = await saslProxy(platform.brokers(model.env.sharedCluster).bootstrapServers[0]!, 'finbank.', mode);
      try {
        const err = await loginThrough(addressOf(proxy), platform.secrets.get(user().secretName)!);
        expect((err as Error).name).toBe('KafkaJSSASLAuthenticationError');
        expect(kafkaErrorType(err)).toBe(SASL_ERROR);
      } finally {
        proxy.close();
      }
    });

    it('makes dedicated-tier.auth-refused an error, not a pass, when the login is dropped', async () => {
      const proxy = await saslProxy(platform.brokers(model.env.sharedCluster).bootstrapServers[0]!, 'finbank.', 'drop');
      try {
        const shared = model.env.sharedCluster;
        const viaProxy: Model = {
          ...model,
          env: {
            ...model.env,
            clusters: {
              ...model.env.clusters,
              [shared]: { ...model.env.clusters[shared]!, bootstrapServers: [addressOf(proxy)] },
            },
          },
        };
        const report = await runVerification({
          model: viaProxy,
          secrets: platform.secrets,
          tenants: ['finbank'],
          categories: ['dedicated-tier'],
          skipQuotas: true,
        });
        const auth = report.results.filter((r) => r.id.startsWith('dedicated-tier.auth-refused:'));
        expect(auth.map((r) => r.id).sort()).toEqual(
          finbank()
            .principals.map((p) => `dedicated-tier.auth-refused:${p.username}@${shared}`)
            .sort(),
        );
        for (const r of auth) {
          expect(r.status).toBe('error');
          expect(r.observed).toContain('Closed connection');
        }
        expect(report.ok).toBe(false);
      } finally {
        proxy.close();
      }
    });
  });
});
