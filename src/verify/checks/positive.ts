/**
 * Positive checks: every tenant principal can do what its tenant file declares — produce to its topics, consume
 * them in a group under its own prefix, run a transaction under its transactional-id prefix. Without these, a
 * platform that denies everything would pass every negative check.
 *
 * Names the run creates (groups, transactional ids) are fresh ones under the tenant's prefix: joining a declared
 * group would rebalance the real application, and initialising a declared transactional id would fence its
 * producer. The prefix ACL that grants the declared ids is the one that grants these.
 */
import { groupId as tenantGroupId, transactionalId as tenantTransactionalId } from '../../naming';
import type { Actor, VerifyContext } from '../context';
import { VERIFY_MARK } from '../context';
import { answer } from '../raw';
import type { Check } from '../types';
import { joinAndFetch, marker, succeeded } from './common';

/** Retries for positive checks: enough to ride out a coordinator that is still loading. */
const POSITIVE_RETRIES = 3;

export function positiveChecks(ctx: VerifyContext, actors: readonly Actor[]): Check[] {
  const checks: Check[] = [];
  for (const actor of actors) {
    const tenant = actor.tenant;
    if (!tenant) continue;
    const p = actor.principal;
    const base = { tenant: actor.owner, category: 'positive' as const, cluster: actor.cluster };
    for (const logical of p.produces) {
      const topic = ctx.topicOf(actor, logical).name;
      const id = `positive.produce:${p.username}->${topic}`;
      if (tenant.tier === 'shared') {
        checks.push({
          ...base,
          id,
          description: `${p.username} writes to the shared topic ${topic} through the SDK (key, tenant-id header, partition map${tenant.encryption ? ', encryption' : ''})`,
          run: async () => {
            const producer = await ctx.tenantProducer(actor);
            const allowed = ctx.partitionMap.partitionsFor(topic, tenant.id);
            let partition = -1;
            const a = await answer(async () => {
              const [md] = await producer.send({
                topic,
                aggregateId: `${VERIFY_MARK}-${ctx.runId}`,
                eventType: VERIFY_MARK,
                value: JSON.stringify({ mark: VERIFY_MARK, runId: ctx.runId, check: id }),
                headers: ctx.markHeaders(),
              });
              partition = md?.partition ?? -1;
              return `written to partition ${partition} at offset ${md?.baseOffset}`;
            });
            const placed = allowed.includes(partition);
            const outcome = succeeded(`success, on one of partitions [${allowed.join(', ')}]`, {
              label: `send to ${topic}`,
              answer: a,
            });
            if (!a.ok || placed) return outcome;
            return {
              ...outcome,
              status: 'fail',
              details: [
                ...(outcome.details ?? []),
                `partition ${partition} is not one the partition map gives ${tenant.id}`,
              ],
            };
          },
        });
        // Its premium copy of the shared topic, if it declares one: a topic of its own, written directly.
        const premium = tenant.topics.find((t) => t.premiumOf === topic);
        if (premium) checks.push(ownTopicProduce(ctx, actor, base, premium.name));
      } else {
        checks.push(ownTopicProduce(ctx, actor, base, topic));
      }
    }
    if (tenant.tier !== 'shared') {
      p.consumes.forEach((logical, i) => {
        const topic = ctx.topicOf(actor, logical).name;
        const id = `positive.consume:${p.username}->${topic}`;
        const group = tenantGroupId(tenant.id, `${VERIFY_MARK}-${ctx.runId}-${p.app}-${i}`);
        checks.push({
          ...base,
          id,
          description:
            p.groups.length > 0
              ? `${p.username} consumes its own topic ${topic} in a group under ${tenant.groupPrefix}`
              : `${p.username} fetches its own topic ${topic} (it declares no consumer group)`,
          run: async () => {
            if (p.groups.length === 0) {
              const session = await ctx.session(actor.cluster, p);
              const a = await answer(async () => {
                await session.fetch(topic, 0, '0', 1024);
                return `fetched partition 0 of ${topic}`;
              });
              return succeeded('success', { label: `fetch ${topic}`, answer: a });
            }
            // Positive checks tolerate transient, retriable errors (a coordinator still loading); denials are not
            // retriable in kafkajs, so a broken grant still fails at once.
            const a = await joinAndFetch(ctx.kafka(actor.cluster, p, { retries: POSITIVE_RETRIES }), group, topic);
            return succeeded('success (group joined, fetch answered)', {
              label: `consume ${topic} as ${group}`,
              answer: a,
            });
          },
        });
      });
    }
    if (p.transactionalIds.length > 0) {
      const txnId = tenantTransactionalId(tenant.id, `${VERIFY_MARK}-${ctx.runId}-${p.app}`);
      const topic = p.produces[0] ? ctx.topicOf(actor, p.produces[0]).name : undefined;
      const id = `positive.transaction:${p.username}`;
      checks.push({
        ...base,
        id,
        description: `${p.username} (declares ${p.transactionalIds.join(', ')}) initialises and commits a transaction under ${tenant.transactionalIdPrefix}`,
        run: async () => {
          const producer = ctx.kafka(actor.cluster, p, { retries: POSITIVE_RETRIES }).producer({
            transactionalId: txnId,
            idempotent: true,
            maxInFlightRequests: 1,
            allowAutoTopicCreation: false,
            retry: { retries: POSITIVE_RETRIES },
          });
          try {
            const a = await answer(async () => {
              await producer.connect();
              const tx = await producer.transaction();
              const [md] = topic ? await tx.send({ topic, messages: [marker(ctx, id)] }) : [];
              await tx.commit();
              const wrote = md ? `, written to ${topic} partition ${md.partition} at offset ${md.baseOffset}` : '';
              return `${txnId} initialised${wrote}, committed`;
            });
            return succeeded('transaction committed', { label: `transaction as ${txnId}`, answer: a });
          } finally {
            await producer.disconnect().catch(() => undefined);
          }
        },
      });
    }
  }
  return checks;
}

/** `positive.produce:<principal>-><topic>` for a topic of the principal's own tenant. */
function ownTopicProduce(
  ctx: VerifyContext,
  actor: Actor,
  base: Pick<Check, 'tenant' | 'category' | 'cluster'>,
  topic: string,
): Check {
  const p = actor.principal;
  const id = `positive.produce:${p.username}->${topic}`;
  return {
    ...base,
    id,
    description: `${p.username} produces to its own topic ${topic}`,
    run: async () => {
      const a = await answer(async () => {
        const producer = await ctx.producer(actor.cluster, p);
        const [md] = await producer.send({ topic, acks: -1, messages: [marker(ctx, id)] });
        return `written to partition ${md?.partition} at offset ${md?.baseOffset}`;
      });
      return succeeded('success', { label: `produce to ${topic}`, answer: a });
    },
  };
}
