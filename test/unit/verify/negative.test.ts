/**
 * Negative and shared-tier probes against a fake cluster: the existence oracle compares a topic that is live (not
 * one the model merely declares) and cannot pass on two missing topics; produce probes aim at a partition that does
 * not exist, so a broken platform fails the check without a record being written.
 */
import { VERIFY_MARK } from '../../../src/verify/context';
import { existenceOracleNotes, negativePairChecks } from '../../../src/verify/checks/negative';
import { sharedTierChecks } from '../../../src/verify/checks/shared-tier';
import type { Actor } from '../../../src/verify/context';
import type { Check } from '../../../src/verify/types';
import { type Decide, FakeCluster, correctBroker, liveTopic } from './fake-cluster';
import { smallModel } from './fixtures';

function setup(topics: Record<string, number>, opts: Parameters<typeof smallModel>[0] = {}) {
  const model = smallModel(opts);
  const fake = new FakeCluster(
    new Map(Object.entries(topics).map(([n, p]) => [n, liveTopic(p)])),
    correctBroker(model),
  );
  const ctx = fake.context(model);
  const byOwner = new Map<string, Actor[]>();
  for (const a of ctx.actors()) byOwner.set(a.owner, [...(byOwner.get(a.owner) ?? []), a]);
  const pairs = [{ actor: 'acme-eu', target: 'acme' }];
  const checks = negativePairChecks(ctx, pairs, byOwner);
  const check = (kind: string) => {
    const c = checks.find((x) => x.id === `negative.${kind}:acme-eu.writer->acme`);
    if (!c) throw new Error(`no check ${kind}`);
    return c;
  };
  return { model, fake, ctx, checks, check, pairs };
}

/** The broker of a platform where acme-eu.writer was wrongly granted everything under `acme.`. */
const leaky =
  (base: Decide): Decide =>
  (req, live) =>
    req.principal === 'acme-eu.writer' && req.topic?.startsWith('acme.')
      ? base({ ...req, principal: 'acme.billing' }, live)
      : base(req, live);

const run = (c: Check) => c.run();

describe('negative.existence-oracle', () => {
  it('compares a topic that exists on the live cluster with one that does not, and passes when both are refused', async () => {
    const { check, fake } = setup({ 'acme.orders': 6 });
    const outcome = await run(check('existence-oracle'));
    expect(outcome.status).toBe('pass');
    expect(outcome.observed).toContain('acme.orders');
    const onExisting = fake.requests.filter((r) => r.topic === 'acme.orders').map((r) => r.op);
    expect(onExisting).toEqual(
      expect.arrayContaining(['produce', 'fetch', 'metadata', 'list-offsets', 'describe-configs', 'create-topic']),
    );
  });

  it('takes the existing topic from the live snapshot, not from the model', async () => {
    const { check, fake } = setup({ 'acme.legacy': 3 });
    const outcome = await run(check('existence-oracle'));
    expect(outcome.status).toBe('pass');
    expect(fake.requests.some((r) => r.topic === 'acme.legacy')).toBe(true);
    expect(fake.requests.some((r) => r.topic === 'acme.orders')).toBe(false);
  });

  it('does not pass when the target declares topics but none is live (two missing topics prove nothing)', async () => {
    const { check } = setup({ 'acme-eu.orders': 3 });
    await expect(run(check('existence-oracle'))).rejects.toThrow(/nothing to compare/);
  });

  it('still fails when the broker answers differently for the existing topic (KAFKA-19234 shape)', async () => {
    const { check, fake } = setup({ 'acme.orders': 6 });
    const base = fake.decide;
    fake.decide = (req, live) =>
      req.op === 'produce' && !live.has(req.topic!) ? 'UNKNOWN_TOPIC_OR_PARTITION' : base(req, live);
    const outcome = await run(check('existence-oracle'));
    expect(outcome.status).toBe('fail');
    expect(outcome.observed).toContain('produce (TOPIC_AUTHORIZATION_FAILED vs UNKNOWN_TOPIC_OR_PARTITION)');
  });

  it('fails when the actor may see the target namespace', async () => {
    const { check, fake } = setup({ 'acme.orders': 6 });
    fake.decide = leaky(fake.decide);
    expect((await run(check('existence-oracle'))).status).toBe('fail');
    expect(fake.written).toEqual([]);
  });

  it('is not planned against a tenant decommissioned with its data; a note says why', () => {
    const { checks, ctx, pairs } = setup(
      {},
      { extra: { acme: 'lifecycle: decommissioning\ndeleteDataOnDecommission: true' } },
    );
    const kinds = checks.map((c) => c.id.replace(/^negative\.([^:]+):.*$/, '$1'));
    expect(kinds).not.toContain('existence-oracle');
    expect(kinds).toContain('produce');
    expect(existenceOracleNotes(ctx, pairs)).toEqual([expect.stringMatching(/^acme is decommissioned with its data/)]);
  });

  it('is planned against a decommissioning tenant whose topics are retained, and uses the retained topic', async () => {
    const { check } = setup({ 'acme.orders': 6 }, { extra: { acme: 'lifecycle: decommissioning' } });
    const outcome = await run(check('existence-oracle'));
    expect(outcome.status).toBe('pass');
    expect(outcome.observed).toContain('acme.orders');
  });
});

describe('negative probes aim at an out-of-band grant', () => {
  it("probe the foreign topic a live binding of the actor reaches, not the target's first topic", async () => {
    const { fake, check } = setup({ 'acme.audit': 1, 'acme.orders': 6 });
    fake.acls = [
      {
        cluster: 'shared',
        principal: 'User:acme-eu.writer',
        host: '127.0.0.1',
        resourceType: 'Topic',
        patternType: 'Literal',
        resourceName: 'acme.audit',
        operation: 'Read',
        permission: 'Allow',
      },
    ];
    const outcome = await run(check('fetch'));
    expect((outcome.details ?? []).join('\n')).toContain('fetch acme.audit');
  });

  it('without such a grant, probe the first declared live topic', async () => {
    const { check } = setup({ 'acme.audit': 1, 'acme.orders': 6 });
    expect(((await run(check('fetch'))).details ?? []).join('\n')).toContain('fetch acme.orders');
  });
});

describe('negative produce probes never write', () => {
  it('aim at the partition index equal to the live partition count', async () => {
    const { check, fake } = setup({ 'acme.orders': 6 });
    const outcome = await run(check('produce'));
    expect(outcome.status).toBe('pass');
    expect(outcome.observed).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(fake.requests.filter((r) => r.op === 'produce')).toEqual([
      { principal: 'acme-eu.writer', op: 'produce', topic: 'acme.orders', partition: 6 },
    ]);
  });

  it('fail on a broken platform (UNKNOWN_TOPIC_OR_PARTITION: WRITE was authorized) and write nothing', async () => {
    const { check, fake } = setup({ 'acme.orders': 6 });
    fake.decide = leaky(fake.decide);
    const outcome = await run(check('produce'));
    expect(outcome.status).toBe('fail');
    expect(outcome.observed).toBe('produce to acme.orders partition 6: UNKNOWN_TOPIC_OR_PARTITION');
    expect(fake.written).toEqual([]);
  });

  it('carry the verify header on the probe record', async () => {
    const { check, fake } = setup({ 'acme.orders': 6 });
    // A broker that would (wrongly) accept the record at any partition: whatever lands carries the header.
    fake.decide = () => 'ok';
    await run(check('produce'));
    expect(fake.written).toHaveLength(1);
    expect(fake.written[0]!.headers).toEqual({ [VERIFY_MARK]: expect.any(String) });
  });

  it("shared-tier.tenant-write-denied aims at a missing partition of the shared topic and fails if it's allowed", async () => {
    const model = smallModel();
    const fake = new FakeCluster(new Map([['shared.orders.placed', liveTopic(6)]]), correctBroker(model));
    const ctx = fake.context(model);
    const actors = ctx.actors();
    const checks = sharedTierChecks(
      ctx,
      actors.filter((a) => a.tenant && a.principal.username === 'acme.billing'),
      [],
    );
    const write = checks.find((c) => c.id === 'shared-tier.tenant-write-denied:acme.billing->shared.orders.placed')!;
    expect((await write.run()).status).toBe('pass');
    expect(fake.requests.find((r) => r.op === 'produce')).toMatchObject({ partition: 6 });
    fake.decide = (req, live) =>
      req.topic === 'shared.orders.placed' && req.partition! >= live.get(req.topic)!.partitions
        ? 'UNKNOWN_TOPIC_OR_PARTITION'
        : 'ok';
    const broken = await write.run();
    expect(broken.status).toBe('fail');
    expect(broken.observed).toContain('UNKNOWN_TOPIC_OR_PARTITION');
    expect(fake.written).toEqual([]);
  });
});
