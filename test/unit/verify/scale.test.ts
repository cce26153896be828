/**
 * Verify costs the same per tenant whatever the fleet's size (issue 10): the checks planned for a tenant do not
 * depend on N, from 10 to 200 generated tenants — cross-tenant denial for all pairs is one proof per principal from
 * the live bindings, and the live probes take a constant number of targets — while `exhaustive` keeps every pair.
 * The checks are planned as `runVerification` plans its conformance and access phases (quota probes are planned
 * from live answers and are per principal anyway); nothing here talks to a broker.
 */
import * as path from 'node:path';
import { buildModel } from '../../../src/model/build';
import { readEnvironment } from '../../../src/model/environment';
import { decodeTenant } from '../../../src/model/load';
import type { Model } from '../../../src/model/types';
import { conformanceChecks } from '../../../src/verify/checks/conformance';
import { dedicatedTierChecks } from '../../../src/verify/checks/dedicated-tier';
import { negativePairChecks, negativePrincipalChecks } from '../../../src/verify/checks/negative';
import { positiveChecks } from '../../../src/verify/checks/positive';
import { reservedPartitionChecks } from '../../../src/verify/checks/reserved-partitions';
import { sharedTierChecks } from '../../../src/verify/checks/shared-tier';
import type { Actor } from '../../../src/verify/context';
import { type VerifyOptions, crossTenantPairs } from '../../../src/verify/runner';
import { Scope } from '../../../src/verify/scope';
import type { Check } from '../../../src/verify/types';
import { FakeCluster, correctBroker } from './fake-cluster';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');

/** A mixed fleet: 7 in 10 topic-per-tenant (two topics, a producer, a consumer with a group, a transaction), 3 shared. */
function tenantYaml(id: string, i: number): string {
  const head = `id: ${id}\nowner: team-${id}\ncontact: ${id}@example.com\nclassification: internal\n`;
  if (i % 10 >= 7) {
    return `${head}tier: shared\napplications:\n  - name: web\n    produces: [orders.placed]\n`;
  }
  return (
    `${head}tier: topic-per-tenant\ntopics:\n  - name: orders\n  - name: events\n` +
    `applications:\n  - name: writer\n    produces: [orders, events]\n    transactionalIds: [outbox]\n` +
    `  - name: reader\n    consumes: [orders]\n    groups: [reader]\n`
  );
}

/** `n` generated tenants (`t0000`…, no id the start of another) plus `acme` and `acme-eu` (the separator case). */
function fleet(n: number): Model {
  const ids = [...Array.from({ length: n - 2 }, (_, i) => `t${String(i).padStart(4, '0')}`), 'acme', 'acme-eu'];
  const tenants = ids.map((id, i) => {
    const { tenant } = decodeTenant(`tenants/${id}.yaml`, tenantYaml(id, id.startsWith('acme') ? 0 : i));
    if (!tenant) throw new Error(`generated tenant ${id} does not decode`);
    return tenant;
  });
  return buildModel(readEnvironment('test', FIXTURES), tenants);
}

/** The conformance and access checks `runVerification` plans for the whole fleet. */
function plan(model: Model, options: Pick<VerifyOptions, 'exhaustive'> = {}): Check[] {
  const ctx = new FakeCluster(new Map(), correctBroker(model)).context(model);
  const scope = new Scope(model);
  const actors = ctx.actors();
  const byOwner = new Map<string, Actor[]>();
  for (const a of actors) byOwner.set(a.owner, [...(byOwner.get(a.owner) ?? []), a]);
  const { pairs } = crossTenantPairs(model, scope, 'kafka-tenancy', options);
  return [
    ...conformanceChecks(ctx, scope, actors),
    ...positiveChecks(ctx, actors),
    ...negativePairChecks(ctx, pairs, byOwner),
    ...negativePrincipalChecks(ctx, actors),
    ...sharedTierChecks(
      ctx,
      actors.filter((a) => a.tenant),
      actors.filter((a) => !a.tenant),
    ),
    ...dedicatedTierChecks(ctx, actors, scope),
    ...reservedPartitionChecks(ctx, scope),
  ];
}

const perTenant = (checks: readonly Check[], tenant: string) => checks.filter((c) => c.tenant === tenant).length;
const asTarget = (checks: readonly Check[], tenant: string) =>
  checks.filter((c) => c.category === 'negative' && c.target === tenant).length;

const SIZES = [10, 50, 200] as const;
const plans = new Map(SIZES.map((n) => [n, plan(fleet(n))]));
const models = new Map(SIZES.map((n) => [n, fleet(n)]));

describe('checks per tenant', () => {
  // A probe's kinds per (principal, target): twelve requests and the existence oracle, which is planned only
  // against targets with topics — so a tenant's pair checks vary with which targets the seed draws, never with N.
  const PAIR_KINDS = 13;
  const pairCheck = (c: Check) => c.category === 'negative' && c.target !== undefined;
  const targets = (checks: readonly Check[], owner: string) =>
    new Set(checks.filter((c) => c.tenant === owner && pairCheck(c)).map((c) => c.target)).size;
  const nonPair = (checks: readonly Check[], owner: string) =>
    checks.filter((c) => c.tenant === owner && !pairCheck(c)).length;
  const principals = (model: Model, owner: string) =>
    owner === 'platform'
      ? model.platform.consumers.length
      : model.tenants.find((t) => t.id === owner)!.principals.length;

  it('probe the same number of foreign tenants per tenant at 10, 50 and 200 tenants', () => {
    for (const owner of ['t0000', 't0007', 'acme', 'platform']) {
      expect(SIZES.map((n) => targets(plans.get(n)!, owner))).toEqual(SIZES.map(() => (owner === 'acme' ? 3 + 1 : 3)));
    }
  });

  it('do not depend on the number of tenants: the same own checks, and probes bounded by one constant', () => {
    const figures = SIZES.map((n) => ({
      n,
      topicPerTenant: perTenant(plans.get(n)!, 't0000'),
      shared: perTenant(plans.get(n)!, 't0007'),
    }));
    for (const owner of ['t0000', 't0007', 'acme', 'platform']) {
      expect(new Set(SIZES.map((n) => nonPair(plans.get(n)!, owner))).size).toBe(1);
    }
    for (const n of SIZES) {
      const model = models.get(n)!;
      const checks = plans.get(n)!;
      for (const owner of [...model.tenants.map((t) => t.id), 'platform']) {
        const bound =
          nonPair(checks, owner) + PAIR_KINDS * principals(model, owner) * (owner.startsWith('acme') ? 4 : 3);
        expect(perTenant(checks, owner)).toBeLessThanOrEqual(bound);
      }
    }
    // The figures (topic-per-tenant with two principals, shared tier with one) at 10, 50 and 200 tenants.
    expect(
      figures.map((f) => f.topicPerTenant).every((c) => c <= nonPair(plans.get(10)!, 't0000') + PAIR_KINDS * 2 * 3),
    ).toBe(true);
    expect(figures.map((f) => f.shared).every((c) => c <= nonPair(plans.get(10)!, 't0007') + PAIR_KINDS * 1 * 3)).toBe(
      true,
    );
  });

  it('are bounded as target too: every tenant is probed by at most a constant number of others', () => {
    for (const n of SIZES) {
      const model = models.get(n)!;
      const most = Math.max(...model.tenants.map((t) => asTarget(plans.get(n)!, t.id)));
      // k seeded actors, its prefix relative, the platform consumer; two principals each at most.
      expect(most).toBeLessThanOrEqual(PAIR_KINDS * 2 * (3 + 1 + 1));
    }
  });

  it('include one cross-tenant proof per principal, covering all other tenants', () => {
    for (const n of SIZES) {
      const model = models.get(n)!;
      const proofs = plans.get(n)!.filter((c) => c.id.startsWith('conformance.acl-reach:'));
      const principals = model.tenants.flatMap((t) => t.principals).length + model.platform.consumers.length;
      expect(proofs).toHaveLength(principals);
      expect(proofs.find((c) => c.id === 'conformance.acl-reach:t0000.writer')!.description).toContain(
        `all ${n - 1} other tenants`,
      );
    }
  });

  it('always pair acme and acme-eu, both ways', () => {
    for (const n of SIZES) {
      const ids = plans.get(n)!.map((c) => c.id);
      expect(ids).toContain('negative.produce:acme.writer->acme-eu');
      expect(ids).toContain('negative.produce:acme-eu.writer->acme');
    }
  });

  it('with exhaustive, probe every ordered pair of tenants on a cluster', () => {
    const model = fleet(50);
    const checks = plan(model, { exhaustive: true });
    const shared = model.tenants.filter((t) => t.cluster === model.env.sharedCluster).map((t) => t.id);
    const probed = new Set(
      checks.filter((c) => c.id.startsWith('negative.produce:')).map((c) => `${c.tenant}->${c.target}`),
    );
    for (const a of shared) for (const b of shared) if (a !== b) expect(probed.has(`${a}->${b}`)).toBe(true);
    for (const b of shared) expect(probed.has(`platform->${b}`)).toBe(true);
    expect(perTenant(checks, 't0000')).toBeGreaterThan(perTenant(plans.get(50)!, 't0000'));
  });
});
