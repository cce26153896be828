/**
 * A tier migration's other placement (verify/migration.ts checks the working one like any tenant):
 *
 * - copying and cutover, between clusters: the target's topics exist as declared, the tenant holds no grant there
 *   yet, and its users log in on the target with the same password but are refused when they write;
 * - cutover: every copied source topic refuses the tenant's writes (nothing can land behind the copy);
 * - done, between clusters: the source refuses the tenant's logins (credentials revoked) and holds no grant.
 *
 * Probes write marker records only, which consumers skip; a refused write writes nothing.
 */
import { loginAnswer } from '../../kafka/client';
import { placements } from '../../model/migration';
import type { TenantModel } from '../../model/types';
import { principalOf } from '../../naming';
import { describeAcl } from '../acl-diff';
import type { VerifyContext } from '../context';
import { RawSession, answer } from '../raw';
import type { Scope } from '../scope';
import type { Check, CheckOutcome } from '../types';
import { allDenied, marker } from './common';

const DENIED_TOPIC = ['TOPIC_AUTHORIZATION_FAILED'];

function produceAs(ctx: VerifyContext, cluster: string, t: TenantModel, username: string, topic: string, id: string) {
  const p = t.principals.find((x) => x.username === username)!;
  return answer(async () => {
    const s = await RawSession.open(ctx.brokers(cluster), ctx.credentials(p));
    try {
      return await s.produce(topic, 0, [marker(ctx, id)]);
    } finally {
      await s.close();
    }
  });
}

/** `migrating`: tenants of the model as declared (not the working views verify checks otherwise). */
export function migrationChecks(ctx: VerifyContext, migrating: readonly TenantModel[], scope: Scope): Check[] {
  const checks: Check[] = [];
  for (const t of migrating.filter((x) => x.migration && scope.has(x.id))) {
    const m = t.migration!;
    const { home, away } = placements(t);
    const before = m.state === 'copying' || m.state === 'cutover';
    // the target's topics: on the other cluster, or beside the shared-tier source on the same one
    const target = away ?? { cluster: t.cluster, topics: t.topics };
    if (before && ctx.clusters().includes(target.cluster)) {
      checks.push({
        id: `conformance.migration-target-topics:${t.id}`,
        tenant: t.id,
        category: 'conformance',
        cluster: target.cluster,
        description: `${t.id}'s target topics exist on ${target.cluster} with the declared partitions and replication factor before its records arrive`,
        run: async () => {
          const live = (await ctx.snapshot(target.cluster)).topics;
          const found = target.topics.flatMap((x) => {
            const l = live.get(x.name);
            if (!l) return [`missing: ${x.name}`];
            const bad: string[] = [];
            if (l.partitions !== x.partitions)
              bad.push(`${x.name}: ${l.partitions} partitions, declared ${x.partitions}`);
            if (l.replicationFactor !== x.replicationFactor)
              bad.push(`${x.name}: replication factor ${l.replicationFactor}, declared ${x.replicationFactor}`);
            return bad;
          });
          return outcome(`every target topic as declared on ${target.cluster}`, found);
        },
      });
    }
    if (away && before && ctx.clusters().includes(away.cluster)) {
      checks.push(grantsCheck(ctx, t, away.cluster, 'target', 'none until done'));
      for (const p of t.principals) {
        const topic = away.topics[0]?.name;
        if (!topic) continue;
        const id = `negative.migration-target-closed:${p.username}`;
        checks.push({
          id,
          tenant: t.id,
          category: 'negative',
          cluster: away.cluster,
          description: `${p.username} logs in on the target ${away.cluster} with its own password and may not write there before done`,
          run: async () => {
            const login = await loginAnswer(ctx.brokers(away.cluster), ctx.credentials(p));
            if (login !== 'ok') {
              return {
                status: 'fail',
                expected: 'login ok, produce TOPIC_AUTHORIZATION_FAILED',
                observed: `login: ${login}`,
                details: [`the credential on ${away.cluster} must carry the same password (secret ${p.secretName})`],
              };
            }
            return allDenied(DENIED_TOPIC, [
              {
                label: `produce to ${topic} @${away.cluster}`,
                answer: await produceAs(ctx, away.cluster, t, p.username, topic, id),
              },
            ]);
          },
        });
      }
    }
    if (m.state === 'cutover' && ctx.clusters().includes(home.cluster)) {
      for (const p of m.source.principals.filter((x) => x.produces.length > 0)) {
        const id = `negative.migration-source-writes:${p.username}`;
        checks.push({
          id,
          tenant: t.id,
          category: 'negative',
          cluster: home.cluster,
          description: `at cutover ${p.username} may no longer write the source topics on ${home.cluster}, so no record lands behind the copy`,
          run: async () =>
            allDenied(
              DENIED_TOPIC,
              await Promise.all(
                m.topics.map(async (x) => ({
                  label: `produce to ${x.source} @${home.cluster}`,
                  answer: await produceAs(ctx, home.cluster, m.source, p.username, x.source, id),
                })),
              ),
            ),
        });
      }
    }
    if (m.state === 'done' && away && ctx.clusters().includes(home.cluster)) {
      checks.push(grantsCheck(ctx, m.source, home.cluster, 'source', 'none after done'));
      for (const p of m.source.principals) {
        checks.push({
          id: `negative.migration-source-revoked:${p.username}`,
          tenant: t.id,
          category: 'negative',
          cluster: home.cluster,
          description: `after done ${p.username} can no longer log in on the source ${home.cluster} (its credential there is revoked)`,
          run: async () => {
            const login = await loginAnswer(ctx.brokers(home.cluster), ctx.credentials(p));
            // anything but a login or the broker's refusal is no answer: the check errors, it does not pass
            if (login !== 'ok' && login !== 'SASL_AUTHENTICATION_FAILED')
              throw new Error(`no answer to the login: ${login}`);
            return {
              status: login === 'SASL_AUTHENTICATION_FAILED' ? 'pass' : 'fail',
              expected: 'SASL_AUTHENTICATION_FAILED',
              observed: login,
              details: [`login as ${p.username} on ${home.cluster}: ${login}`],
            } satisfies CheckOutcome;
          },
        });
      }
    }
  }
  return checks;
}

/** The tenant's users hold no ALLOW binding on `cluster` (the placement it does not work in). */
function grantsCheck(ctx: VerifyContext, t: TenantModel, cluster: string, side: string, expected: string): Check {
  return {
    id: `conformance.migration-${side}-grants:${t.id}`,
    tenant: t.id,
    category: 'conformance',
    cluster,
    description: `${t.id}'s users hold no grant on the ${side} ${cluster} (${expected})`,
    run: async () => {
      const users = new Set(t.principals.map((p) => principalOf(p.username)));
      const live = (await ctx.snapshot(cluster)).acls.filter((a) => users.has(a.principal));
      return outcome(`no binding for ${t.id}'s users on ${cluster}`, live.map(describeAcl));
    },
  };
}

function outcome(expected: string, found: readonly string[]): CheckOutcome {
  return {
    status: found.length === 0 ? 'pass' : 'fail',
    expected,
    observed: found.length === 0 ? 'as expected' : found.join('; '),
    details: [...found],
  };
}
