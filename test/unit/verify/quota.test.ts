/**
 * Quota probes tolerate only the answers they are designed to get. Anything else means the request was not
 * measured: a dead connection answers in no time and is never throttled, so a latency computed from it would make
 * "the quiet tenant keeps its latency" pass for the wrong reason.
 */
import { KafkaJSConnectionError } from 'kafkajs';
import { QUOTA_PROBE_ANSWERS, push, quotaChecks } from '../../../src/verify/checks/quota';
import { VERIFY_MARK, VerifyContext } from '../../../src/verify/context';
import { RawSession } from '../../../src/verify/raw';
import { kafkaError } from './fake-cluster';
import { smallModel } from './fixtures';

const chunk = Buffer.alloc(16, 0x78);
const headers = { [VERIFY_MARK]: 'run1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dead = () => new KafkaJSConnectionError('Connection error: socket closed');

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

describe('quota.noisy-neighbour', () => {
  afterEach(() => jest.restoreAllMocks());

  async function neighbourCheck() {
    const model = smallModel();
    const ctx = new VerifyContext(model, { get: () => 'pw', getOrCreate: async () => 'pw' });
    jest.spyOn(ctx, 'snapshot').mockImplementation(async (cluster) => ({
      cluster,
      topics: new Map(),
      acls: [],
      quotaWindow: { samples: 3, seconds: 1 },
    }));
    const actors = ctx.actors();
    const { checks } = await quotaChecks(ctx, actors, actors, { floodSeconds: 0.3 });
    const check = checks.find((c) => c.id.startsWith('quota.noisy-neighbour:'));
    if (!check) throw new Error('no noisy-neighbour check planned');
    return check;
  }

  /** Fake sessions: the first opened is the flood, the second the control. */
  function sessions(control: (call: number) => Promise<string>) {
    let opened = 0;
    let calls = 0;
    const closed: string[] = [];
    const floods: number[] = [];
    jest.spyOn(RawSession, 'open').mockImplementation(async () => {
      const role = opened++ === 0 ? 'flood' : 'control';
      return {
        produce:
          role === 'flood'
            ? () => {
                floods.push(Date.now());
                return sleep(20).then(() => Promise.reject(kafkaError('UNKNOWN_TOPIC_OR_PARTITION')));
              }
            : () => control(++calls),
        close: async () => void closed.push(role),
      } as unknown as RawSession;
    });
    return { closed, floods };
  }

  it('errors instead of passing when the control connection is dead from the start', async () => {
    const check = await neighbourCheck();
    const { closed } = sessions(() => Promise.reject(dead()));
    await expect(check.run()).rejects.toThrow('socket closed');
    expect(closed.sort()).toEqual(['control', 'flood']);
  });

  it('errors when the control connection dies during the flood, and stops the flood', async () => {
    const check = await neighbourCheck();
    const { closed, floods } = sessions((call) =>
      call > 11 ? Promise.reject(dead()) : Promise.reject(kafkaError('UNKNOWN_TOPIC_OR_PARTITION')),
    );
    await expect(check.run()).rejects.toThrow('socket closed');
    expect(closed.sort()).toEqual(['control', 'flood']);
    // The flood (0.3 s) was stopped before the sessions closed: nothing keeps pushing in the background.
    const pushed = floods.length;
    await sleep(400);
    expect(floods).toHaveLength(pushed);
  });

  it('decides (pass or fail, no error) when every probe gets its expected answer', async () => {
    const check = await neighbourCheck();
    sessions(() => Promise.reject(kafkaError('UNKNOWN_TOPIC_OR_PARTITION')));
    const outcome = await check.run();
    // The fake broker never throttles, so the flood is "never throttled": a fail, decided on real answers.
    expect(outcome.status).toBe('fail');
    expect(outcome.details).toContain(`${check.id.split(':')[1]!.split('+')[0]} was never throttled`);
  });
});
