/**
 * A cluster that stops answering is one root cause: the health tracker probes it once on the first sign of no
 * answer, and from then on its checks end at once as `error` pointing at one result that names the cluster and the
 * hint. Decided from signals (timeouts, connection errors, the probe's answer), never from how long things took.
 */
import { EnvironmentError } from '../../../src/errors';
import { quotaChecks } from '../../../src/verify/checks/quota';
import { VerifyContext } from '../../../src/verify/context';
import { ClusterHealth, type ClusterProbe, ClusterUnreachable, noAnswerSignal } from '../../../src/verify/health';
import { renderMarkdown, resultRows } from '../../../src/verify/report';
import { runChecks, unreachableResult } from '../../../src/verify/runner';
import type { Check, CheckOutcome } from '../../../src/verify/types';
import { kafkaError } from './fake-cluster';
import { report, smallModel } from './fixtures';

/** Errors as kafkajs 2.2.4 raises them (name and, for wrappers, `cause`/`originalError`). */
const kafkajs = (name: string, message: string, cause?: unknown) =>
  Object.assign(new Error(message), { name, ...(cause ? { cause, originalError: cause } : {}) });
const requestTimeout = () => kafkajs('KafkaJSRequestTimeoutError', 'Request Fetch(key: 1, version: 11) timed out');

const HINT = 'run `kafka-tenancy local status`';
const never = () => new Promise<never>(() => undefined);

/** A probe per cluster: a fixed answer, or one that never comes. */
function probeOf(answers: Record<string, string | 'hang'>): ClusterProbe & { calls: string[] } {
  const calls: string[] = [];
  const probe = (cluster: string) => {
    calls.push(cluster);
    const a = answers[cluster] ?? 'ok';
    return a === 'hang' ? never() : Promise.resolve(a);
  };
  return Object.assign(probe, { calls });
}

const health = (probe: ClusterProbe, deadlineMs = 5000) => new ClusterHealth(probe, () => HINT, deadlineMs);

function check(id: string, cluster: string, run: () => Promise<CheckOutcome>): Check {
  return { id, tenant: 'acme', category: 'negative', description: id, cluster, run };
}
const pass = async (): Promise<CheckOutcome> => ({ status: 'pass', expected: 'x', observed: 'x' });

describe('noAnswerSignal', () => {
  it('names a request timeout, also when kafkajs wraps it in its retrier', () => {
    expect(noAnswerSignal(requestTimeout())).toMatch(/^KafkaJSRequestTimeoutError: Request Fetch/);
    const wrapped = kafkajs('KafkaJSNumberOfRetriesExceeded', 'timed out', requestTimeout());
    expect(noAnswerSignal(wrapped)).toMatch(/^KafkaJSRequestTimeoutError/);
  });

  it('names refused and dropped connections and a SASL exchange that broke off', () => {
    expect(noAnswerSignal(kafkajs('KafkaJSConnectionError', 'Connection timeout'))).toBeDefined();
    expect(noAnswerSignal(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatch(
      /^ECONNREFUSED/,
    );
    const saslTimeout = kafkajs('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: timed out');
    expect(noAnswerSignal(saslTimeout)).toMatch(/^SASL_ERROR/);
  });

  it('is undefined for an answer of the broker and for errors that are not about the broker', () => {
    expect(noAnswerSignal(kafkaError('TOPIC_AUTHORIZATION_FAILED'))).toBeUndefined();
    const refused = kafkajs(
      'KafkaJSSASLAuthenticationError',
      'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
    expect(noAnswerSignal(refused)).toBeUndefined();
    expect(noAnswerSignal(new EnvironmentError('no SCRAM password for acme.billing'))).toBeUndefined();
  });
});

describe('ClusterHealth', () => {
  it('leaves a cluster in play when the probe gets any answer, a refusal included', async () => {
    const h = health(probeOf({ a: 'ok', b: 'SASL_AUTHENTICATION_FAILED' }));
    expect(await h.suspect('a', 'test')).toBeUndefined();
    expect(await h.suspect('b', 'test')).toBeUndefined();
    expect(h.all()).toEqual([]);
  });

  it('marks a cluster whose probe gets no answer before its deadline, with the signal and the hint', async () => {
    const h = health(probeOf({ a: 'hang' }), 20);
    const u = await h.suspect('a', 'negative.fetch:x->y: KafkaJSRequestTimeoutError: timed out');
    expect(u).toMatchObject({
      cluster: 'a',
      resultId: 'conformance.reachable:a',
      signal: 'negative.fetch:x->y: KafkaJSRequestTimeoutError: timed out',
      hint: HINT,
    });
    expect(u!.probe).toMatch(/no answer within 0.02 s/);
    expect(() => h.assertReachable('a')).toThrow(ClusterUnreachable);
  });

  it('marks a cluster whose probe cannot connect', async () => {
    const h = health(probeOf({ a: 'KafkaJSConnectionError' }));
    expect((await h.suspect('a', 'test'))?.probe).toContain('KafkaJSConnectionError');
  });

  it('probes once for signals that arrive while a probe runs', async () => {
    const probe = probeOf({ a: 'KafkaJSConnectionError' });
    const h = health(probe);
    await Promise.all([h.suspect('a', '1'), h.suspect('a', '2'), h.suspect('a', '3')]);
    await h.suspect('a', '4');
    expect(probe.calls).toEqual(['a']);
  });

  it('does not mark a cluster when the probe itself cannot start (no admin secret)', async () => {
    const h = health(() => {
      throw new EnvironmentError('no admin secret');
    });
    expect(await h.suspect('a', 'test')).toBeUndefined();
  });

  it('trips waiters when the cluster is marked, and at once for later ones', async () => {
    const h = health(probeOf({ a: 'KafkaJSConnectionError' }));
    const waiting = h.whenUnreachable('a');
    await h.suspect('a', 'test');
    await expect(waiting).rejects.toThrow(ClusterUnreachable);
    await expect(h.whenUnreachable('a')).rejects.toThrow(/cluster a stopped answering/);
  });
});

describe('runChecks with a cluster that stops answering', () => {
  /**
   * GIVEN cluster `frozen` whose first check times out, whose other checks never end (a frozen broker holds their
   * requests), and whose probe gets no answer; cluster `live` answers everything.
   */
  function frozenFleet() {
    const probe = probeOf({ frozen: 'hang', live: 'ok' });
    const h = health(probe, 10);
    const checks: Check[] = [
      check('negative.fetch:a->b', 'frozen', async () => {
        await new Promise((r) => setImmediate(r));
        throw requestTimeout();
      }),
      ...Array.from({ length: 40 }, (_, i) => check(`negative.metadata:a${i}->b`, 'frozen', never)),
      ...Array.from({ length: 5 }, (_, i) => check(`positive.produce:live${i}`, 'live', pass)),
    ];
    return { probe, h, checks };
  }

  it('ends every remaining check of the cluster as error pointing at one cause, without waiting for timeouts', async () => {
    const { h, checks, probe } = frozenFleet();
    // WHEN the checks run with a deadline far beyond this test's own timeout
    const results = await runChecks(checks, { concurrency: 4, timeoutMs: 3_600_000, health: h });
    // THEN nothing on the frozen cluster passes, each result points at the cluster's result, the live one passes
    const frozen = results.filter((r) => r.cluster === 'frozen');
    expect(frozen.every((r) => r.status === 'error' && r.cause === 'conformance.reachable:frozen')).toBe(true);
    expect(frozen.filter((r) => r.observed.startsWith('abandoned:')).length).toBe(3);
    expect(frozen.filter((r) => r.observed.startsWith('not run:')).length).toBe(37);
    expect(results.filter((r) => r.cluster === 'live').map((r) => r.status)).toEqual(Array(5).fill('pass'));
    expect(probe.calls).toEqual(['frozen']);
  });

  it('reports the cluster once: one result with the hint, one table row', async () => {
    const { h, checks } = frozenFleet();
    const results = await runChecks(checks, { concurrency: 4, timeoutMs: 3_600_000, health: h });
    const root = unreachableResult(h.all()[0]!, results);
    expect(root).toMatchObject({ id: 'conformance.reachable:frozen', status: 'error', tenant: 'cluster:frozen' });
    expect(root.observed).toContain('cluster frozen stopped answering');
    expect(root.observed).toContain('41 check(s) on it marked error');
    expect(root.observed).toContain(HINT);
    const r = report([root, ...results]);
    expect(r.ok).toBe(false);
    expect(resultRows(r).map((row) => row[1])).toEqual(['conformance.reachable:frozen']);
    expect(resultRows(r, true)).toHaveLength(47);
    expect(renderMarkdown(r).match(/conformance\.reachable:frozen/g)!.length).toBeGreaterThan(0);
    expect(renderMarkdown(r)).not.toContain('negative.metadata:a1->b');
  });

  it('probes on a check that got no answer, and keeps the cluster when the probe is answered', async () => {
    const probe = probeOf({ slow: 'ok' });
    const h = health(probe);
    const results = await runChecks(
      [
        check('negative.fetch:a->b', 'slow', async () => {
          throw requestTimeout();
        }),
        check('negative.produce:a->b', 'slow', pass),
      ],
      { concurrency: 1, timeoutMs: 3_600_000, health: h },
    );
    expect(probe.calls).toEqual(['slow']);
    expect(results.map((r) => [r.status, r.cause])).toEqual([
      ['error', undefined],
      ['pass', undefined],
    ]);
  });

  it('does not probe for an error that is not about the broker', async () => {
    const probe = probeOf({});
    const results = await runChecks(
      [
        check('positive.produce:a', 'c', async () => {
          throw new EnvironmentError('no SCRAM password for a');
        }),
      ],
      { concurrency: 1, timeoutMs: 3_600_000, health: health(probe) },
    );
    expect(results[0]!.status).toBe('error');
    expect(probe.calls).toEqual([]);
  });
});

describe('VerifyContext on a cluster marked unreachable', () => {
  async function frozenContext() {
    const model = smallModel();
    const h = health(probeOf({ [model.env.sharedCluster]: 'KafkaJSConnectionError' }));
    const ctx = new VerifyContext(model, { get: () => 'pw', getOrCreate: async () => 'pw' }, undefined, h);
    await h.suspect(model.env.sharedCluster, 'test');
    return { model, ctx };
  }

  it('opens nothing on it: sessions and snapshots reject at once', async () => {
    const { model, ctx } = await frozenContext();
    const actor = ctx.actors().find((a) => a.cluster === model.env.sharedCluster)!;
    await expect(ctx.session(actor.cluster, actor.principal)).rejects.toThrow(ClusterUnreachable);
    await expect(ctx.snapshot(actor.cluster)).rejects.toThrow(ClusterUnreachable);
  });

  it('still plans the quota checks, each reporting why it cannot run', async () => {
    const { model, ctx } = await frozenContext();
    const actors = ctx.actors().filter((a) => a.cluster === model.env.sharedCluster);
    const { checks } = await quotaChecks(ctx, actors, actors);
    expect(checks.map((c) => c.id)).toEqual(actors.map((a) => `quota.enforced:${a.principal.username}`));
    const results = await runChecks(checks, { concurrency: 1, timeoutMs: 3_600_000, health: ctx.health });
    expect(
      results.every((r) => r.status === 'error' && r.cause === `conformance.reachable:${model.env.sharedCluster}`),
    ).toBe(true);
  });
});
