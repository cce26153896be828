/**
 * The ACL matcher (src/acl/match.ts) against Kafka's own StandardAuthorizer: random bindings are created on the
 * shared cluster for throwaway principals, then each principal asks the broker about random names, and every
 * answer must be the decision `authorize()` predicts. Names do not exist, so the broker's answer is the
 * authorizer's decision alone: TOPIC/GROUP_AUTHORIZATION_FAILED when denied, UNKNOWN_TOPIC_OR_PARTITION (or a
 * dead group) when allowed.
 *
 * Covered: LITERAL, PREFIXED, LITERAL `*`, ALLOW/DENY, `User:*`, host `*` / 127.0.0.1 / another address, the
 * operations All/Read/Write/Describe/Delete/Alter/Create and the Describe implication, on topics and groups.
 */
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import type { Admin } from 'kafkajs';
import { type Acl, type AclRequest, authorize, describeAcl, toWire } from '../../src/acl';
import { answer, RawSession } from '../../src/verify/raw';
import { type LocalPlatform, requireLocalPlatform, suffix } from './support';
import { ConfigCommand } from './verify-support';

const CLUSTER = 'shared';
const BINDINGS = 520;
const NAMES_PER_QUESTION = 150;

jest.setTimeout(240_000);

describe('ACL matcher vs the broker (StandardAuthorizer)', () => {
  let platform: LocalPlatform;
  let admin: Admin;
  let tool: ConfigCommand;
  const ns = `mt${suffix()}`;
  const users = [0, 1, 2, 3].map((i) => ({
    username: `${ns}-u${i}`,
    password: crypto.randomBytes(18).toString('hex'),
  }));
  let created: Acl[] = [];

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    tool = ConfigCommand.ensure(platform);
    for (const u of users) tool.addScramCredential(CLUSTER, u.username, u.password);
    admin = platform.admin(CLUSTER);
    await admin.connect();
  });

  afterAll(async () => {
    if (created.length) await admin.deleteAcls({ filters: created.map(toWire) }).catch(() => undefined);
    await admin?.disconnect();
    for (const u of users) tool?.deleteScramCredential(CLUSTER, u.username);
  });

  // Names inside the test's own namespace, built from few characters so that prefixes overlap often.
  const name = fc.stringMatching(/^[ab.]{1,4}$/).map((rest) => `${ns}.${rest}`);
  // The last user is kept for the fixed cases: no random binding names it.
  const principal = fc.constantFrom(...users.slice(0, -1).map((u) => `User:${u.username}`), 'User:*');
  const binding: fc.Arbitrary<Acl> = fc
    .record({
      principal,
      host: fc.constantFrom('*', '*', '127.0.0.1', '127.0.0.2'),
      resourceType: fc.constantFrom('Topic' as const, 'Group' as const),
      patternType: fc.constantFrom('Literal' as const, 'Prefixed' as const),
      resourceName: fc.oneof({ weight: 9, arbitrary: name }, { weight: 1, arbitrary: fc.constant('*') }),
      operation: fc.constantFrom(
        'Read' as const,
        'Write' as const,
        'Describe' as const,
        'All' as const,
        'Delete' as const,
        'Alter' as const,
        'Create' as const,
      ),
      permission: fc.oneof(
        { weight: 4, arbitrary: fc.constant('Allow' as const) },
        { weight: 1, arbitrary: fc.constant('Deny' as const) },
      ),
    })
    // A wildcard resource for User:* would reach every tenant of the shared cluster: keep the test to itself.
    .filter((b) => !(b.principal === 'User:*' && b.resourceName === '*'))
    .map((b) => (b.resourceName === '*' ? { ...b, patternType: 'Literal' as const } : b));

  it(`agrees with the broker on ${BINDINGS} random bindings`, async () => {
    const seed = Number(process.env.KT_ACL_SEED ?? Date.now() % 1_000_000);
    // Fixed cases besides the random ones, so that rare semantics are always asked about: the operations that
    // imply Describe, on names the random alphabet cannot produce.
    const fixedUser = `User:${users[users.length - 1]!.username}`;
    const fixed: Acl[] = (['Read', 'Write', 'Delete', 'Alter', 'Create'] as const).flatMap((operation) =>
      (['Topic', 'Group'] as const).map((resourceType) => ({
        principal: fixedUser,
        host: '*',
        resourceType,
        patternType: 'Literal' as const,
        resourceName: `${ns}-fixed.${operation.toLowerCase()}`,
        operation,
        permission: 'Allow' as const,
      })),
    );
    const acls = [...fc.sample(binding, { numRuns: BINDINGS, seed }), ...fixed];
    const unique = [...new Map(acls.map((a) => [JSON.stringify(a), a])).values()];
    created = unique;
    await admin.createAcls({ acl: unique.map(toWire) });
    // Wait (bounded) until the authorizer holds every binding.
    for (let i = 0; i < 100; i++) {
      const res = await admin.describeAcls({
        resourceType: 1,
        resourcePatternType: 1,
        operation: 1,
        permissionType: 1,
      } as never);
      const held = res.resources
        .filter((r) => r.resourceName === '*' || r.resourceName.startsWith(ns))
        .reduce((n, r) => n + r.acls.filter((a) => a.principal.includes(ns) || a.principal === 'User:*').length, 0);
      if (held >= unique.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const questions = [
      ...fc.sample(name, { numRuns: NAMES_PER_QUESTION, seed: seed + 1 }),
      ...fixed.filter((a) => a.resourceType === 'Topic').map((a) => a.resourceName),
    ];
    const mismatches: string[] = [];
    let asked = 0;
    let allowed = 0;
    for (const u of users) {
      const s = await RawSession.open(platform.brokers(CLUSTER), u);
      try {
        const ask: Array<[AclRequest, () => Promise<string | void>, string]> = questions.flatMap((n) => {
          const base = { principal: `User:${u.username}`, host: '127.0.0.1', name: n };
          return [
            [
              { ...base, resourceType: 'Topic', operation: 'Describe' },
              () => s.metadata([n]).then(() => undefined),
              'TOPIC_AUTHORIZATION_FAILED',
            ],
            [
              { ...base, resourceType: 'Topic', operation: 'Write' },
              () => s.produce(n, 0, [{ key: 'k', value: 'v' }] as never, 1).then(() => undefined),
              'TOPIC_AUTHORIZATION_FAILED',
            ],
            [
              { ...base, resourceType: 'Group', operation: 'Describe' },
              () => s.describeGroup(n),
              'GROUP_AUTHORIZATION_FAILED',
            ],
          ] as Array<[AclRequest, () => Promise<string | void>, string]>;
        });
        for (const [req, call, denied] of ask) {
          const got = await answer(call);
          asked++;
          const brokerAllowed = !(!got.ok && got.error === denied);
          if (brokerAllowed) allowed++;
          const predicted = authorize(unique, req);
          if (brokerAllowed !== predicted.allowed) {
            mismatches.push(
              `${req.principal} ${req.operation} ${req.resourceType} "${req.name}": broker ${got.ok ? 'success' : got.error}, matcher ${predicted.allowed ? 'allowed' : 'denied'} by [${predicted.by.map((a) => describeAcl(a, { principal: true })).join('; ')}]`,
            );
          }
        }
      } finally {
        await s.close();
      }
    }
    // Both decisions must be common, or the comparison proves little.
    expect({ seed, asked, mismatches }).toEqual({ seed, asked: users.length * questions.length * 3, mismatches: [] });
    expect(allowed / asked).toBeGreaterThan(0.1);
    expect(allowed / asked).toBeLessThan(0.9);
  });
});
