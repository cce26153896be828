/**
 * Quota checks decide on the broker's answers only. The burst probes tolerate only the answers they are designed to
 * get (anything else means the request was not measured); the noisy-neighbour check decides on throttle_time_ms and
 * acknowledged bytes, never on a latency; a probe the byte budget does not allow is a `skipped` result, not a note.
 */
import { KafkaJSConnectionError, type LogEntry, type Kafka, logLevel } from 'kafkajs';
import {
  type NeighbourEvidence,
  type ProduceResponse,
  QUOTA_PROBE_ANSWERS,
  judgeNoisyNeighbour,
  push,
  quotaChecks,
} from '../../../src/verify/checks/quota';
import { VERIFY_MARK, VerifyContext } from '../../../src/verify/context';
import type { ClientOptions } from '../../../src/kafka/client';
import type { PrincipalModel } from '../../../src/model/types';
import type { Check } from '../../../src/verify/types';
import { kafkaError } from './fake-cluster';
import { smallModel } from './fixtures';

const chunk = Buffer.alloc(16, 0x78);
const headers = { [VERIFY_MARK]: 'run1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dead = () => new KafkaJSConnectionError('Connection error: socket closed');
const KIB = 1024;
const MIB = 1024 * KIB;

describe('quota probe push', () => {
  it.each(QUOTA_PROBE_ANSWERS)('tolerates %s', async (type) => {
    await expect(push({ produce: () => Promise.reject(kafkaError(type)) }, 't', chunk, headers)).resolves.toBe(
      undefined,
    );
  });

  it.each([
    ['a dead connection', dead()],
    ['an unexpected broker answer', kafkaError('NOT_LEADER_OR_FOLLOWER')],
    [
      'a timeout',
      Object.assign(new Error('Request Produce(key: 0, version: 7) timed out'), { name: 'KafkaJSRequestTimeoutError' }),
    ],
  ])('rethrows %s', async (_what, err) => {
    await expect(push({ produce: () => Promise.reject(err) }, 't', chunk, headers)).rejects.toBe(err);
  });

  it('errors when the probe topic exists (the chunk was written)', async () => {
    await expect(push({ produce: async () => '0' }, 'acme.x', chunk, headers)).rejects.toThrow(/exists/);
  });

  it('marks the probe record with the verify header', async () => {
    const produce = jest.fn().mockRejectedValue(kafkaError('UNKNOWN_TOPIC_OR_PARTITION'));
    await push({ produce }, 't', chunk, headers);
    expect(produce).toHaveBeenCalledWith('t', 0, [{ key: VERIFY_MARK, value: chunk, headers }], 1);
  });
});

/** `n` responses spread evenly over `ms`, each `bytes` big, with offsets counting up. */
function responses(n: number, ms: number, over: Partial<ProduceResponse> = {}, throttled: number[] = []) {
  return Array.from({ length: n }, (_, i): ProduceResponse => ({
    bytes: 128 * KIB,
    throttleMs: throttled.includes(i) ? 250 : 0,
    baseOffset: String(i * 8),
    atMs: ((i + 1) * ms) / n,
    latencyMs: 5,
    ...over,
  }));
}

/**
 * A healthy flood on 3 × 1 s windows: 512 KiB/s quota, 3 s flood, 2.5 MiB acknowledged (the most allowed is
 * 512 KiB/s × (3 s + 3 s) + 128 KiB = 3.125 MiB), throttled from the 17th response on; the victim never throttled.
 */
function evidence(
  over: {
    aggressor?: Partial<NeighbourEvidence['aggressor']>;
    victim?: Partial<NeighbourEvidence['victim']>;
    window?: NeighbourEvidence['window'];
  } = {},
): NeighbourEvidence {
  return {
    window: over.window ?? { samples: 3, seconds: 1 },
    aggressor: {
      username: 'loud.flood',
      rate: 512 * KIB,
      responses: responses(20, 3000, {}, [16, 17, 18, 19]),
      floodMs: 3000,
      ...over.aggressor,
    },
    victim: {
      username: 'calm.writer',
      baseline: responses(5, 50, { bytes: 1100, atMs: -100 }),
      responses: responses(30, 3000, { bytes: 1100 }),
      ...over.victim,
    },
  };
}

describe('judgeNoisyNeighbour', () => {
  it('passes when the aggressor is throttled and held to its quota and the victim is never throttled', () => {
    const v = judgeNoisyNeighbour(evidence());
    expect(v.problems).toEqual([]);
    expect(v.status).toBe('pass');
    expect(v.figures).toMatchObject({
      ackedBytes: 20 * 128 * KIB,
      maxBytes: 512 * KIB * 6 + 128 * KIB,
      throttledResponses: 4,
      maxThrottleMs: 250,
      totalThrottleMs: 1000,
      victimResponses: 35,
      victimThrottled: 0,
    });
    expect(v.observed).toContain('throttled on 4 of 20 responses');
    expect(v.observed).toContain('calm.writer: throttled on 0 of 35 responses');
  });

  it('never decides on latency: a victim answering in seconds, unthrottled, passes', () => {
    const v = judgeNoisyNeighbour(evidence({ victim: { responses: responses(3, 3000, { latencyMs: 2500 }) } }));
    expect(v.status).toBe('pass');
    expect(v.figures.victimLatencyMs.p95).toBe(2500);
    expect(v.observed).toContain('p95 2500 ms');
  });

  it('fails when no response of the aggressor carries a throttle time (no quota in force)', () => {
    const v = judgeNoisyNeighbour(evidence({ aggressor: { responses: responses(20, 3000) } }));
    expect(v.status).toBe('fail');
    expect(v.problems).toEqual(['loud.flood was never throttled: all 20 produce responses had throttle_time_ms 0']);
  });

  it('fails when the broker acknowledged more than the quota allows, even though it throttled', () => {
    // 40 × 128 KiB = 5 MiB in 3 s: throttled now and then, but a quota of 512 KiB/s lets through 3.125 MiB at most.
    const v = judgeNoisyNeighbour(evidence({ aggressor: { responses: responses(40, 3000, {}, [30]) } }));
    expect(v.status).toBe('fail');
    expect(v.problems).toEqual([
      'loud.flood got 5.00 MiB acknowledged in 3.0 s (1707 KiB/s), more than the 3.13 MiB its quota allows',
    ]);
  });

  it('takes its tolerance from the broker windows: the same bytes pass on 11 × 1 s windows', () => {
    const flood = { responses: responses(40, 3000, {}, [30]) };
    expect(judgeNoisyNeighbour(evidence({ aggressor: flood })).status).toBe('fail');
    const v = judgeNoisyNeighbour(evidence({ aggressor: flood, window: { samples: 11, seconds: 1 } }));
    expect(v.status).toBe('pass');
    expect(v.figures.maxBytes).toBe(512 * KIB * 14 + 128 * KIB);
  });

  it('fails when a single response to the victim carries a throttle time', () => {
    const v = judgeNoisyNeighbour(evidence({ victim: { responses: responses(30, 3000, { bytes: 1100 }, [12]) } }));
    expect(v.status).toBe('fail');
    expect(v.problems).toEqual(['calm.writer was throttled on 1 of 35 responses (up to 250 ms)']);
  });

  it('counts the victim baseline too: throttled before the flood is throttled', () => {
    const v = judgeNoisyNeighbour(evidence({ victim: { baseline: responses(5, 50, { atMs: -100 }, [0]) } }));
    expect(v.status).toBe('fail');
  });

  it.each([
    ['the aggressor got no response', { aggressor: { responses: [] } }, /loud\.flood got no produce response/],
    [
      'the victim got no response during the flood',
      { victim: { responses: [] } },
      /calm\.writer got no produce response while loud\.flood flooded/,
    ],
    [
      'a response has no offset (nothing appended)',
      { victim: { responses: responses(3, 3000, { baseOffset: '-1' }) } },
      /3 produce response\(s\) to calm\.writer carry no offset/,
    ],
  ])('has no decision (error) when %s', (_what, over, message) => {
    expect(() => judgeNoisyNeighbour(evidence(over as Parameters<typeof evidence>[0]))).toThrow(message);
  });
});

/** The test environment's shared cluster with 3 × 1 s windows and the small model's own topics live. */
function contextWithTopics() {
  const model = smallModel();
  const ctx = new VerifyContext(model, { get: () => 'pw', getOrCreate: async () => 'pw' });
  const live = model.tenants.flatMap((t) =>
    t.topics.map(
      (x) => [x.name, { partitions: 1, replicationFactor: 1, partitionReplicas: [], configs: new Map() }] as const,
    ),
  );
  jest.spyOn(ctx, 'snapshot').mockImplementation(async (cluster) => ({
    cluster,
    topics: new Map(live),
    acls: [],
    quotaWindow: { samples: 3, seconds: 1 },
  }));
  return ctx;
}

interface Sent {
  readonly user: string;
  readonly topic: string;
  readonly partitions: number[];
  readonly headers: unknown[];
}

/**
 * Fake kafkajs clients: each principal's producer logs its produce requests and responses through the logCreator
 * the check passes (as kafkajs 2.2.4's connection does at debug level) and answers with `answer(user, call)`.
 */
function fakeProducers(answer: (user: string, call: number) => Promise<{ throttleMs: number }>) {
  const sent: Sent[] = [];
  const closed: string[] = [];
  const calls = new Map<string, number>();
  jest
    .spyOn(VerifyContext.prototype, 'kafka')
    .mockImplementation((_cluster: string, p: PrincipalModel, opts: ClientOptions = {}) => {
      const log = opts.logCreator!(logLevel.DEBUG);
      const emit = (message: string, extra: object) =>
        log({
          namespace: 'Connection',
          level: logLevel.DEBUG,
          label: 'DEBUG',
          log: { message, timestamp: '', broker: 'b:9092', ...extra },
        } as LogEntry);
      let correlationId = 0;
      let offset = 0;
      return {
        producer: () => ({
          connect: async () => undefined,
          disconnect: async () => void closed.push(p.username),
          send: async ({
            topic,
            messages,
          }: {
            topic: string;
            messages: Array<{ value: Buffer; partition: number; headers: unknown }>;
          }) => {
            const id = ++correlationId;
            const call = (calls.get(p.username) ?? 0) + 1;
            calls.set(p.username, call);
            sent.push({
              user: p.username,
              topic,
              partitions: messages.map((m) => m.partition),
              headers: messages.map((m) => m.headers),
            });
            emit('Request Produce(key: 0, version: 7)', {
              correlationId: id,
              size: messages.reduce((n, m) => n + m.value.length + 70, 60),
            });
            const { throttleMs } = await answer(p.username, call);
            emit('Response Produce(key: 0, version: 7)', {
              correlationId: id,
              size: 50,
              data: { topics: [], throttleTime: 0, clientSideThrottleTime: throttleMs },
            });
            const base = offset;
            offset += messages.length;
            return [{ topicName: topic, partition: 0, errorCode: 0, baseOffset: String(base) }];
          },
        }),
      } as unknown as Kafka;
    });
  return { sent, closed };
}

describe('quota.noisy-neighbour', () => {
  afterEach(() => jest.restoreAllMocks());

  async function neighbourCheck(): Promise<Check> {
    const ctx = contextWithTopics();
    const actors = ctx.actors();
    const { checks } = await quotaChecks(ctx, actors, actors, { floodSeconds: 0.3 });
    const check = checks.find((c) => c.id.startsWith('quota.noisy-neighbour:'));
    if (!check) throw new Error('no noisy-neighbour check planned');
    return check;
  }

  it('pairs two tenants that write to topics of their own (never the shared tier)', async () => {
    const check = await neighbourCheck();
    expect(check.id).toBe('quota.noisy-neighbour:acme-eu.writer+acme.billing');
    expect(check.description).toContain('acme-eu.orders');
    expect(check.description).toContain('acme.orders');
  });

  it('passes on a broker that throttles the flood only, and writes marked records to both own topics', async () => {
    const check = await neighbourCheck();
    const { sent, closed } = fakeProducers(async (user, call) => {
      if (user !== 'acme-eu.writer') return { throttleMs: 0 };
      // The broker answers the flood's first requests at once, then throttles and mutes it.
      await sleep(call > 2 ? 100 : 20);
      return { throttleMs: call > 2 ? 100 : 0 };
    });
    const outcome = await check.run();
    expect(outcome.status).toBe('pass');
    expect(new Set(sent.map((s) => `${s.user}->${s.topic}`))).toEqual(
      new Set(['acme-eu.writer->acme-eu.orders', 'acme.billing->acme.orders']),
    );
    expect(sent.every((s) => s.partitions.every((p) => p === 0))).toBe(true);
    expect(sent.every((s) => s.headers.every((h) => (h as Record<string, string>)[VERIFY_MARK]))).toBe(true);
    expect(closed.sort()).toEqual(['acme-eu.writer', 'acme.billing']);
  });

  it('fails when the victim gets a throttle time, however fast it is answered', async () => {
    const check = await neighbourCheck();
    fakeProducers(async (user, call) => {
      await sleep(user === 'acme-eu.writer' ? 20 : 1);
      return { throttleMs: user === 'acme-eu.writer' || call === 7 ? 100 : 0 };
    });
    const outcome = await check.run();
    expect(outcome.status).toBe('fail');
    expect(outcome.details).toContainEqual(expect.stringMatching(/^acme\.billing was throttled on 1 of \d+ responses/));
  });

  it('fails when the flood is never throttled', async () => {
    const check = await neighbourCheck();
    fakeProducers(async () => {
      await sleep(20);
      return { throttleMs: 0 };
    });
    const outcome = await check.run();
    expect(outcome.status).toBe('fail');
    expect(outcome.details).toContainEqual(expect.stringMatching(/^acme-eu\.writer was never throttled/));
  });

  it('errors instead of deciding when the victim connection is dead from the start', async () => {
    const check = await neighbourCheck();
    const { closed } = fakeProducers(async (user) => {
      if (user === 'acme.billing') throw dead();
      return { throttleMs: 0 };
    });
    await expect(check.run()).rejects.toThrow('socket closed');
    expect(closed.sort()).toEqual(['acme-eu.writer', 'acme.billing']);
  });

  it('errors when the victim connection dies during the flood, and stops the flood', async () => {
    const check = await neighbourCheck();
    const floods: number[] = [];
    const { closed } = fakeProducers(async (user, call) => {
      if (user === 'acme.billing') {
        if (call > 7) throw dead();
        return { throttleMs: 0 };
      }
      floods.push(Date.now());
      await sleep(20);
      return { throttleMs: 0 };
    });
    await expect(check.run()).rejects.toThrow('socket closed');
    expect(closed.sort()).toEqual(['acme-eu.writer', 'acme.billing']);
    // The flood (0.3 s) was stopped before the producers closed: nothing keeps pushing in the background.
    const pushed = floods.length;
    await sleep(400);
    expect(floods).toHaveLength(pushed);
  });
});

describe('quota probes over the byte budget', () => {
  afterEach(() => jest.restoreAllMocks());

  it('are skipped results with the reason, not notes: every principal and the flood are accounted for', async () => {
    const ctx = contextWithTopics();
    const actors = ctx.actors();
    const { checks, notes } = await quotaChecks(ctx, actors, actors, { maxProbeBytes: 3 * MIB });
    const outcomes = await Promise.all(
      checks
        .filter(
          (c) =>
            c.id.startsWith('quota.noisy-neighbour:') ||
            ['acme.billing', 'acme-eu.writer'].some((u) => c.id === `quota.enforced:${u}`),
        )
        .map(async (c) => ({ id: c.id, ...(await c.run()) })),
    );
    expect(outcomes.map((o) => [o.id, o.status])).toEqual([
      ['quota.noisy-neighbour:acme-eu.writer+acme.billing', 'skipped'],
      ['quota.enforced:acme.billing', 'skipped'],
      ['quota.enforced:acme-eu.writer', 'skipped'],
    ]);
    expect(outcomes[1]!.observed).toBe(
      "not probed: a burst above 1024 KiB/s over the broker's 3 × 1 s windows needs 3.75 MiB, over the 3.00 MiB probe budget (shorter quota windows on the broker make it fit)",
    );
    expect(outcomes[0]!.observed).toMatch(
      /^not probed: flooding acme-eu\.writer \(1024 KiB\/s\) for 3 s .* over the 3\.00 MiB probe budget$/,
    );
    // Every scoped principal has a quota result: shop.web (512 KiB/s) fits the budget and is probed.
    expect(
      checks
        .filter((c) => c.id.startsWith('quota.enforced:'))
        .map((c) => c.id)
        .sort(),
    ).toEqual(actors.map((a) => `quota.enforced:${a.principal.username}`).sort());
    expect(notes).toEqual([]);
  });
});
