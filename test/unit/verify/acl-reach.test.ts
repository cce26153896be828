/**
 * The cross-tenant proof from the live bindings (`AclReach`, `conformance.acl-reach`): it holds on a deployment
 * made from the model, and any binding that lets a principal into another tenant's namespaces breaks it — whoever
 * holds the binding, from whatever host — unless DENY bindings cancel it everywhere it reaches, or the model grants it.
 */
import fc from 'fast-check';
import { reachesPrefix } from '../../../src/acl';
import { AclReach, type LiveAcl, namespaces } from '../../../src/verify/acl-diff';
import { conformanceChecks, reachedPairs } from '../../../src/verify/checks/conformance';
import { SUPER_USERS } from '../../../src/verify/context';
import { Scope } from '../../../src/verify/scope';
import { FakeCluster, correctBroker } from './fake-cluster';
import { liveFromModel, smallModel } from './fixtures';

const model = smallModel({ extra: { shop: 'premiumTopics: [orders.placed]' } });
const spaces = namespaces(model);
const live = liveFromModel(model);
const principals = [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers];
const principal = (username: string) => principals.find((p) => p.username === username)!;
const clusterOf = (username: string) =>
  model.tenants.find((t) => t.principals.some((p) => p.username === username))?.cluster ?? model.env.sharedCluster;

const acl = (over: Partial<LiveAcl>): LiveAcl => ({
  cluster: 'shared',
  principal: 'User:acme-eu.writer',
  host: '*',
  resourceType: 'Topic',
  patternType: 'Prefixed',
  resourceName: 'acme.',
  operation: 'Read',
  permission: 'Allow',
  ...over,
});

/** The proof for `username` against the model's bindings plus `extra`. */
function prove(username: string, extra: LiveAcl[] = []) {
  const p = principal(username);
  return new AclReach([...live, ...extra], spaces, SUPER_USERS).prove({
    principal: p.principal,
    cluster: clusterOf(username),
    grants: p.acls,
  });
}
const found = (username: string, extra: LiveAcl[]) => prove(username, extra).findings.map((f) => f.message);

describe('AclReach', () => {
  it('proves every principal of the model reaches no other tenant on a deployment made from the model', () => {
    for (const p of principals) expect(prove(p.username).findings).toEqual([]);
  });

  it('covers every other tenant and counts the bindings it read', () => {
    const proof = prove('acme.billing');
    expect(proof.tenants).toBe(model.tenants.length - 1);
    expect(proof.bindings).toBe(live.length);
    expect(proof.applicable).toBe(principal('acme.billing').acls.length);
  });

  it("fails on a binding that grants one tenant's principal another tenant's topics", () => {
    expect(found('acme-eu.writer', [acl({})])).toEqual([
      `User:acme-eu.writer: Read on topics prefixed "acme." @shared lets acme-eu.writer Read, Describe in acme's Topic namespace "acme."`,
    ]);
  });

  it('fails on a prefix without its separator, against the tenant whose id it starts (acme → acme-eu)', () => {
    const reach = prove('acme.billing', [acl({ principal: 'User:acme.billing', resourceName: 'acme' })]);
    expect(reach.findings.map((f) => `${f.namespace.owner} ${f.namespace.resourceType}`)).toEqual(['acme-eu Topic']);
  });

  it('fails for every other principal on an ALLOW for User:*', () => {
    const star = acl({
      principal: 'User:*',
      resourceType: 'Group',
      patternType: 'Literal',
      resourceName: '*',
      operation: 'All',
    });
    expect(found('acme-eu.writer', [star]).map((m) => m.replace(/.* lets /, ''))).toEqual([
      `acme-eu.writer Read, Describe, Delete, DescribeConfigs, AlterConfigs in acme's Group namespace "acme."`,
      `acme-eu.writer Read, Describe, Delete, DescribeConfigs, AlterConfigs in platform's Group namespace "platform.analytics."`,
      `acme-eu.writer Read, Describe, Delete, DescribeConfigs, AlterConfigs in shop's Group namespace "shop."`,
    ]);
    expect(found('platform.analytics', [star]).map((m) => m.replace(/.* in /, ''))).toEqual([
      `acme-eu's Group namespace "acme-eu."`,
      `acme's Group namespace "acme."`,
      `shop's Group namespace "shop."`,
    ]);
  });

  it('counts a host-restricted ALLOW as reach (from that host)', () => {
    expect(
      found('acme-eu.writer', [acl({ host: '10.0.0.7', resourceName: 'acme.orders', patternType: 'Literal' })]),
    ).toEqual([
      expect.stringContaining('Read on topic "acme.orders" from 10.0.0.7 @shared lets acme-eu.writer Read, Describe'),
    ]);
  });

  it('fails on a grant for a transactional id under another tenant', () => {
    const txn = acl({ resourceType: 'TransactionalId', resourceName: 'acme.', operation: 'Write' });
    expect(found('acme-eu.writer', [txn])).toEqual([
      expect.stringContaining(`Write, Describe in acme's TransactionalId`),
    ]);
  });

  it('lets DENY bindings cancel an ALLOW only where they deny every operation it grants, from every host', () => {
    const allow = acl({});
    const denyAll = acl({ operation: 'All', permission: 'Deny' });
    expect(prove('acme-eu.writer', [allow, denyAll]).findings).toEqual([]);
    expect(prove('acme-eu.writer', [allow, denyAll]).cancelled).toHaveLength(1);
    // DENY Read does not deny the Describe an ALLOW Read implies.
    expect(found('acme-eu.writer', [allow, acl({ permission: 'Deny' })])).toEqual([
      expect.stringContaining('lets acme-eu.writer Describe in'),
    ]);
    // A DENY from one host leaves every other host.
    expect(
      found('acme-eu.writer', [allow, acl({ operation: 'All', permission: 'Deny', host: '10.0.0.7' })]),
    ).toHaveLength(1);
    // A DENY on one topic leaves the rest of the prefix.
    expect(
      found('acme-eu.writer', [
        allow,
        acl({ operation: 'All', permission: 'Deny', patternType: 'Literal', resourceName: 'acme.orders' }),
      ]),
    ).toHaveLength(1);
    // A DENY for everyone covers this principal too; a DENY for another principal does not.
    expect(
      found('acme-eu.writer', [allow, acl({ principal: 'User:*', operation: 'All', permission: 'Deny' })]),
    ).toEqual([]);
    expect(
      found('acme-eu.writer', [allow, acl({ principal: 'User:shop.web', operation: 'All', permission: 'Deny' })]),
    ).toHaveLength(1);
    // A DENY on another cluster does not cancel it here.
    expect(
      found('acme-eu.writer', [allow, acl({ cluster: 'shared-eu', operation: 'All', permission: 'Deny' })]),
    ).toHaveLength(1);
  });

  it("grants the platform consumer its LITERAL READ on a tenant's premium topic, and nothing wider", () => {
    const proof = prove('platform.analytics');
    expect(proof.findings).toEqual([]);
    expect(proof.granted.map((g) => g.message)).toEqual([
      `User:platform.analytics: Describe on topic "shop.premium.orders.placed" @shared lets platform.analytics Describe in shop's Topic namespace "shop.", as the model grants`,
      `User:platform.analytics: Read on topic "shop.premium.orders.placed" @shared lets platform.analytics Read, Describe in shop's Topic namespace "shop.", as the model grants`,
    ]);
    const wider = acl({ principal: 'User:platform.analytics', resourceName: 'shop.' });
    expect(found('platform.analytics', [wider])).toEqual([
      expect.stringContaining(`in shop's Topic namespace "shop."`),
    ]);
    // The same grant on another cluster is not the model's.
    const copy = {
      ...live.find((a) => a.principal === 'User:platform.analytics' && a.resourceName.startsWith('shop.'))!,
      cluster: 'shared-eu',
    };
    expect(found('platform.analytics', [copy])).toHaveLength(1);
  });

  it('fails on READ of the shared topics for a shared-tier producer (its WRITE there is granted)', () => {
    expect(prove('shop.web').granted.length).toBeGreaterThan(0);
    expect(found('shop.web', [acl({ principal: 'User:shop.web', resourceName: 'shared.' })])).toEqual([
      expect.stringContaining(`lets shop.web Read in platform's Topic namespace "shared."`),
    ]);
  });

  it('finds exactly the namespaces a scan with reachesPrefix finds', () => {
    const reach = new AclReach(live, spaces, SUPER_USERS);
    const names = [
      '*',
      'acme',
      'acme.',
      'acme-',
      'acme-eu.orders',
      'a',
      'shared.',
      'shared.orders.placed',
      'platform.',
      'sho',
      'zzz',
      '',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom('Topic', 'Group', 'TransactionalId'),
        fc.constantFrom('Literal', 'Prefixed'),
        fc.oneof(fc.constantFrom(...names), fc.string()),
        (resourceType, patternType, resourceName) => {
          const a = { resourceType, patternType, resourceName } as const;
          const scan = spaces.filter((ns) => ns.resourceType === resourceType && reachesPrefix(a, ns.prefix));
          expect(new Set(reach.reached(a))).toEqual(new Set(scan));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('conformance.acl-reach', () => {
  const setup = (acls: LiveAcl[]) => {
    const fake = new FakeCluster(new Map(), correctBroker(model));
    const ctx = fake.context(model);
    // The fake answers the same snapshot for every cluster: keep each cluster's own bindings apart.
    jest.spyOn(ctx, 'snapshot').mockImplementation(async (cluster) => ({
      ...fake.snapshot(cluster),
      acls: acls.filter((a) => a.cluster === cluster),
    }));
    const checks = conformanceChecks(ctx, new Scope(model), ctx.actors());
    return (id: string) => checks.find((c) => c.id === id)!;
  };

  it('passes for every principal on the model’s own bindings and says what it proved', async () => {
    const check = setup(live);
    const outcome = await check('conformance.acl-reach:acme.billing').run();
    expect(outcome.status).toBe('pass');
    const foreign = spaces.filter((s) => s.owner !== 'acme').length;
    const own = principal('acme.billing').acls.length;
    expect(outcome.observed).toBe(
      `proven for all ${model.tenants.length - 1} other tenants (${foreign} namespaces) from ${live.length} live bindings (${own} apply to acme.billing)`,
    );
    expect((await check('conformance.acl-reach-others:shared').run()).status).toBe('pass');
  });

  it('fails the principal a cross-tenant grant lets in, and the outsider check for a grant to an unknown user', async () => {
    const check = setup([...live, acl({}), acl({ principal: 'User:mallory' })]);
    const writer = await check('conformance.acl-reach:acme-eu.writer').run();
    expect(writer.status).toBe('fail');
    expect(writer.details).toEqual([expect.stringContaining(`in acme's Topic namespace "acme."`)]);
    expect((await check('conformance.acl-reach:acme.billing').run()).status).toBe('pass');
    const others = await check('conformance.acl-reach-others:shared').run();
    expect(others.status).toBe('fail');
    expect(others.details).toEqual([expect.stringContaining('User:mallory: Read on topics prefixed "acme."')]);
  });
});

describe('reachedPairs', () => {
  const pairsFor = async (acls: LiveAcl[]) => {
    const ctx = new FakeCluster(new Map(), correctBroker(model)).context(model);
    jest.spyOn(ctx, 'snapshot').mockImplementation(async (cluster) => ({
      cluster,
      topics: new Map(),
      acls: acls.filter((a) => a.cluster === cluster),
      quotaWindow: { samples: 3, seconds: 1 },
    }));
    return (await reachedPairs(ctx, ctx.actors())).map((p) => `${p.actor}->${p.target}`).sort();
  };

  it('is empty on the model’s own bindings (premium reads included)', async () => {
    expect(await pairsFor(live)).toEqual([]);
  });

  it('names the pair a cross-tenant grant opens, so the probes try it whatever the sample', async () => {
    expect(await pairsFor([...live, acl({})])).toEqual(['acme-eu->acme']);
  });

  it('names every owner of the cluster for an ALLOW to User:*', async () => {
    expect(await pairsFor([...live, acl({ principal: 'User:*' })])).toEqual([
      'acme-eu->acme',
      'platform->acme',
      'shop->acme',
    ]);
  });
});
