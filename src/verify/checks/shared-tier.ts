/**
 * Shared tier: shared topics mix every shared-tier tenant's records, so tenants only write them and the platform
 * consumers are the only readers. Inside a shared topic Kafka cannot tell tenants apart; the runtime SDK does
 * (`{tenantId}:{aggregateId}` keys, `tenant-id` header): the producer refuses to write another tenant's id, and
 * the consumers reject a record whose header does not match its key, so a record forged outside the SDK (which
 * the ACLs do let a tenant write) never reaches a handler.
 */
import { kafkaClient } from '../../kafka/client';
import { adminCredentials } from '../../platform/identities';
import { platformGroupPrefix } from '../../naming';
import { HEADERS, PlatformConsumer, TenantMismatchError, buildRecordKey } from '../../sdk';
import type { Actor, VerifyContext } from '../context';
import { VERIFY_MARK } from '../context';
import { answer, showAnswer } from '../raw';
import type { Check, CheckOutcome } from '../types';
import { allDenied, joinAndFetch, marker, succeeded } from './common';

const TOPIC_DENIED = ['TOPIC_AUTHORIZATION_FAILED'];

/** Another tenant whose id a forged record claims: an encrypted shared-tier tenant if there is one. */
function victimOf(ctx: VerifyContext, tenantId: string): string {
  const others = ctx.model.tenants.filter((t) => t.id !== tenantId);
  const pick =
    others.find((t) => t.tier === 'shared' && t.encryption) ?? others.find((t) => t.tier === 'shared') ?? others[0];
  return pick?.id ?? 'not-a-tenant';
}

export function sharedTierChecks(
  ctx: VerifyContext,
  tenantActors: readonly Actor[],
  platformActors: readonly Actor[],
): Check[] {
  const checks: Check[] = [];
  const shared = ctx.model.env.sharedCluster;
  const sharedTopics = ctx.model.platform.topics.map((t) => t.name);

  for (const actor of tenantActors.filter((a) => a.cluster === shared)) {
    const p = actor.principal;
    const base = { tenant: actor.owner, target: 'platform', category: 'shared-tier' as const, cluster: shared };
    for (const topic of sharedTopics) {
      checks.push({
        ...base,
        id: `shared-tier.tenant-read-denied:${p.username}->${topic}`,
        description: `${p.username} cannot read the shared topic ${topic} (it holds every shared-tier tenant's records)`,
        run: async () => {
          const s = await ctx.session(shared, p);
          return allDenied(TOPIC_DENIED, [
            {
              label: `fetch ${topic}`,
              answer: await answer(async () => `${(await s.fetch(topic, 0, '0', 1024)).length} record(s)`),
            },
          ]);
        },
      });
      if (actor.tenant?.tier !== 'shared') {
        const id = `shared-tier.tenant-write-denied:${p.username}->${topic}`;
        checks.push({
          ...base,
          id,
          description: `${p.username} (${actor.tenant?.tier} tier) cannot write to the shared topic ${topic} (probed on a partition that does not exist: nothing is written even if allowed)`,
          run: async () => {
            // A partition that does not exist: refused, the broker answers TOPIC_AUTHORIZATION_FAILED; wrongly
            // allowed, UNKNOWN_TOPIC_OR_PARTITION (a failure too) — and the platform's readers never see a record.
            const partition = (await ctx.livePartitions(shared, topic)) ?? 0;
            const s = await ctx.session(shared, p);
            return allDenied(TOPIC_DENIED, [
              {
                label: `produce to ${topic} partition ${partition}`,
                answer: await answer(async () => `offset ${await s.produce(topic, partition, [marker(ctx, id)])}`),
              },
            ]);
          },
        });
      }
    }
  }

  for (const actor of platformActors) {
    const p = actor.principal;
    p.consumes.forEach((logical, i) => {
      const topic = ctx.topicOf(actor, logical).name;
      const group = `${platformGroupPrefix(p.app)}${VERIFY_MARK}-${ctx.runId}-${i}`;
      checks.push({
        tenant: 'platform',
        category: 'shared-tier',
        cluster: shared,
        id: `shared-tier.platform-read:${p.username}->${topic}`,
        description: `platform consumer ${p.username} reads the shared topic ${topic} in a group under ${platformGroupPrefix(p.app)}`,
        run: async () =>
          succeeded('success (group joined, fetch answered)', {
            label: `consume ${topic} as ${group}`,
            answer: await joinAndFetch(ctx.kafka(shared, p, { retries: 0 }), group, topic),
          }),
      });
    });
  }

  const sharedTenants = [...new Set(tenantActors.filter((a) => a.tenant?.tier === 'shared').map((a) => a.owner))];
  for (const tenantId of sharedTenants) {
    const actor = tenantActors.find((a) => a.owner === tenantId && a.principal.produces.length > 0);
    if (!actor) continue;
    const topic = ctx.topicOf(actor, actor.principal.produces[0]!).name;
    const victim = victimOf(ctx, tenantId);
    checks.push({
      tenant: tenantId,
      target: victim,
      category: 'shared-tier',
      cluster: shared,
      id: `shared-tier.sdk-refuses-forged-header:${tenantId}`,
      description: `the SDK producer of ${tenantId} refuses a record whose tenant-id header claims ${victim}`,
      run: async () => {
        const producer = await ctx.tenantProducer(actor);
        const expected = 'refused before sending: TenantMismatchError (tenant_mismatch)';
        try {
          const [md] = await producer.send({
            topic,
            aggregateId: `${VERIFY_MARK}-${ctx.runId}`,
            eventType: VERIFY_MARK,
            value: 'forged by kafka-tenancy verify',
            headers: { [HEADERS.tenantId]: victim, ...ctx.markHeaders() },
          });
          return {
            status: 'fail',
            expected,
            observed: `sent: a record claiming ${victim} was written to ${topic} partition ${md?.partition} at offset ${md?.baseOffset}`,
          };
        } catch (e) {
          const refused = e instanceof TenantMismatchError;
          return {
            status: refused ? 'pass' : 'fail',
            expected,
            observed: refused
              ? `refused: TenantMismatchError (${e.code})`
              : `failed otherwise: ${(e as Error).name}: ${(e as Error).message}`,
          };
        }
      },
    });
    checks.push({
      tenant: tenantId,
      target: victim,
      category: 'shared-tier',
      cluster: shared,
      id: `shared-tier.forged-record-rejected:${tenantId}`,
      description: `a record ${tenantId} writes without the SDK, with its own key but a tenant-id header claiming ${victim}, is rejected by the platform consumer`,
      run: () => forgedRecordRejected(ctx, actor, topic, victim),
    });
  }
  return checks;
}

async function forgedRecordRejected(
  ctx: VerifyContext,
  actor: Actor,
  topic: string,
  victim: string,
): Promise<CheckOutcome> {
  const shared = ctx.model.env.sharedCluster;
  const tenantId = actor.owner;
  const expected = 'written (the ACLs allow it), then rejected by PlatformConsumer as tenant_mismatch';
  // 1. The forgery: a plain kafkajs producer, as any application holding the tenant's credentials could use.
  const producer = await ctx.producer(shared, actor.principal);
  let partition = -1;
  let offset = '';
  const written = await answer(async () => {
    const [md] = await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: buildRecordKey(tenantId, `${VERIFY_MARK}-${ctx.runId}`),
          value: 'forged by kafka-tenancy verify',
          headers: { [HEADERS.tenantId]: victim, [HEADERS.eventType]: VERIFY_MARK, ...ctx.markHeaders() },
        },
      ],
    });
    partition = md?.partition ?? -1;
    offset = md?.baseOffset ?? '';
    return `written to partition ${partition} at offset ${offset}`;
  });
  if (!written.ok) {
    return { status: 'fail', expected, observed: `the raw produce was refused: ${showAnswer(written)}` };
  }
  // 2. Read it back as a platform consumer that consumes the topic (the admin if none does).
  const reader = ctx.model.platform.consumers.find((c) =>
    ctx.model.platform.topics.some((t) => t.name === topic && c.consumes.includes(t.logicalName)),
  );
  const session = reader ? await ctx.session(shared, reader) : await ctx.adminSession(shared);
  const message = (await session.fetch(topic, partition, offset)).find((m) => m.offset === offset);
  if (!message) {
    return {
      status: 'fail',
      expected,
      observed: `the forged record at ${topic}/${partition}@${offset} could not be read back`,
    };
  }
  // 3. Hand the record as fetched to the SDK's platform consumer gate.
  const warnings: string[] = [];
  const consumer = new PlatformConsumer({
    kafka: reader ? ctx.kafka(shared, reader) : kafkaClient(ctx.brokers(shared), adminCredentials(ctx.secrets, shared)),
    groupId: reader ? `${platformGroupPrefix(reader.app)}${VERIFY_MARK}-${ctx.runId}` : `${VERIFY_MARK}-${ctx.runId}`,
    tenants: ctx.model.tenants,
    keyProvider: ctx.keyProvider,
    // The forged record carries the run's marker like everything verify writes; here the gate itself is tested.
    skipVerificationRecords: false,
    logger: { warn: (msg, fields) => warnings.push(`${msg}: ${String(fields.code)}: ${String(fields.error)}`) },
  });
  let handled = false;
  await consumer.handle({ topic, partition, message }, async () => {
    handled = true;
  });
  const rejected = consumer.metrics().rejected;
  const pass = !handled && rejected.tenant_mismatch === 1;
  return {
    status: pass ? 'pass' : 'fail',
    expected,
    observed: handled
      ? 'accepted: the handler received a record claiming another tenant'
      : `rejected (${Object.entries(rejected)
          .filter(([, n]) => n > 0)
          .map(([code, n]) => `${code} ×${n}`)
          .join(', ')})`,
    details: [
      `forged record: ${topic}/${partition}@${offset}, key tenant ${tenantId}, tenant-id header ${victim}`,
      ...warnings,
    ],
  };
}
