/**
 * Negative checks: a principal of one tenant (or a platform consumer) against another tenant on the same cluster.
 * Every probe is one raw request (see raw.ts) that must be refused with the authorization error Kafka uses for
 * it. Cross-cluster pairs need no probes: the dedicated-tier checks show the credentials do not even authenticate.
 *
 * No probe can damage the target, even on a broken platform: produces aim at a partition that does not exist (the
 * topic's live partition count; Kafka authorizes WRITE before it looks the partition up, so a refused probe still
 * answers TOPIC_AUTHORIZATION_FAILED while a wrongly allowed one answers UNKNOWN_TOPIC_OR_PARTITION and writes
 * nothing), creates and config changes are validate-only, deletes name a topic that does not exist, group joins and
 * offset commits use a fresh group under the target's prefix, and InitProducerId uses a fresh transactional id
 * (initialising a real one would fence the target's producer). Read-only probes (fetch, offset fetch, coordinator
 * lookup) use the target's live topic and declared groups and transactional ids.
 *
 * The target's topic is one that exists on the live cluster (from the admin snapshot), not one the model merely
 * declares: the existence oracle compares an existing with a missing topic, and comparing two missing ones would
 * pass without proving anything.
 */
import { matchesResource, sameAcl } from '../../acl';
import { groupId as tenantGroupId, topicName, transactionalId as tenantTransactionalId } from '../../naming';
import type { PrincipalModel, TenantModel } from '../../model/types';
import type { Actor, VerifyContext } from '../context';
import { VERIFY_MARK } from '../context';
import type { Pair } from '../pairs';
import { type Answer, type RawSession, answer, showAnswer } from '../raw';
import type { Check, CheckOutcome } from '../types';
import { type Labelled, allDenied, marker } from './common';

const TOPIC_DENIED = ['TOPIC_AUTHORIZATION_FAILED'];
const GROUP_DENIED = ['GROUP_AUTHORIZATION_FAILED'];
const TXN_DENIED = ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED'];
const CLUSTER_DENIED = ['CLUSTER_AUTHORIZATION_FAILED'];

/** What the probes aim at in the target tenant's namespace, known from the model alone (planning). */
interface Target {
  readonly tenant: TenantModel;
  /** A topic name under the target's prefix that does not exist. */
  readonly absent: string;
  /**
   * Whether the target must have a live topic for the existence oracle: it declares topics and they were not
   * deleted with a decommission (`deleteDataOnDecommission`), whose whole point is that nothing is left.
   */
  readonly expectsTopics: boolean;
  readonly retentionMs: string;
  readonly freshGroup: string;
  readonly declaredGroups: readonly string[];
  readonly freshTransactionalId: string;
  readonly declaredTransactionalIds: readonly string[];
}

/** The target's topic as the probes see it at run time. */
export interface LiveTarget {
  /** A topic of the target that exists on the live cluster, if it has any. */
  readonly existing?: string;
  /** `existing`, or the absent name for targets without a live topic. */
  readonly topic: string;
  /** Partition index produce probes aim at: `existing`'s live partition count, i.e. one that does not exist. */
  readonly missingPartition: number;
}

/** A target's tenant deleted with its data: nothing of it should be live, so there is nothing to compare. */
export function dataDeleted(t: TenantModel): boolean {
  return t.lifecycle === 'decommissioning' && t.deleteData;
}

function target(ctx: VerifyContext, t: TenantModel): Target {
  return {
    tenant: t,
    absent: topicName(t.id, `${VERIFY_MARK}-absent-${ctx.runId}`),
    expectsTopics: t.topics.length > 0 && !dataDeleted(t),
    retentionMs: t.topics[0]?.config['retention.ms'] ?? '604800000',
    freshGroup: tenantGroupId(t.id, `${VERIFY_MARK}-${ctx.runId}`),
    declaredGroups: [...new Set(t.principals.flatMap((p) => p.groups))],
    freshTransactionalId: tenantTransactionalId(t.id, `${VERIFY_MARK}-${ctx.runId}`),
    declaredTransactionalIds: [...new Set(t.principals.flatMap((p) => p.transactionalIds))],
  };
}

/**
 * The target's live topic from the admin snapshot of its cluster, as seen by `actor`: a topic of the target that a
 * live ALLOW binding for the actor (or for `User:*`) reaches — an out-of-band grant, which conformance reports too;
 * probing it shows whether the broker honours it — else the first declared topic that exists, else any existing
 * topic under its prefix (sorted), else none. Without the first rule, a grant on one foreign topic went unprobed
 * whenever the probes picked another topic of the same tenant (a host-restricted READ on `acme.orders` stayed
 * green in negative.fetch, which probed `acme.invoices`).
 */
export async function liveTarget(
  ctx: VerifyContext,
  tg: Pick<Target, 'tenant' | 'absent'>,
  actor?: Pick<PrincipalModel, 'principal' | 'acls'>,
): Promise<LiveTarget> {
  const snap = await ctx.snapshot(tg.tenant.cluster);
  const live = snap.topics;
  // Topics the model itself lets the actor reach (a platform consumer's LITERAL READ on a premium topic) are not
  // the target's to defend against it: the probes aim elsewhere.
  const modelGrants = (topic: string) => (actor?.acls ?? []).some((b) => matchesResource(b, 'Topic', topic));
  const owned = [...live.keys()].filter((n) => n.startsWith(tg.tenant.topicPrefix) && !modelGrants(n)).sort();
  const outOfBand = (topic: string) =>
    snap.acls.some(
      (a) =>
        a.permission === 'Allow' &&
        (a.principal === actor?.principal || a.principal === 'User:*') &&
        matchesResource(a, 'Topic', topic) &&
        !(actor?.acls ?? []).some((b) => sameAcl(a, b)),
    );
  const existing =
    (actor ? owned.find(outOfBand) : undefined) ??
    tg.tenant.topics.map((t) => t.name).find((n) => owned.includes(n)) ??
    owned[0];
  if (!existing) return { topic: tg.absent, missingPartition: 0 };
  return { existing, topic: existing, missingPartition: live.get(existing)!.partitions };
}

type Probe = (s: RawSession, topic: string) => Promise<Answer>;

/**
 * Topic-level probes, also used by the existence oracle (each on an existing and on a missing topic). The produce
 * probe aims at `missingPartition` on both, so it never writes a record, whatever the ACLs say.
 */
function topicProbes(ctx: VerifyContext, id: string, tg: Target, live: LiveTarget): Record<string, Probe> {
  const rf = ctx.model.env.clusters[tg.tenant.cluster]?.replicationFactor ?? 1;
  return {
    produce: (s, topic) =>
      answer(async () => `written at offset ${await s.produce(topic, live.missingPartition, [marker(ctx, id)])}`),
    fetch: (s, topic) => answer(async () => `${(await s.fetch(topic, 0, '0', 1024)).length} record(s) fetched`),
    metadata: (s, topic) => answer(async () => `metadata of ${(await s.metadata([topic])).join(', ')}`),
    'list-offsets': (s, topic) => answer(() => s.listOffsets(topic)),
    'describe-configs': (s, topic) => answer(() => s.describeTopicConfigs(topic)),
    'create-topic': (s, topic) => answer(() => s.validateCreateTopic(topic, rf)),
  };
}

interface Spec {
  readonly kind: string;
  readonly description: string;
  readonly run: (s: RawSession, live: LiveTarget) => Promise<CheckOutcome>;
}

function pairSpecs(ctx: VerifyContext, p: PrincipalModel, tg: Target, idOf: (kind: string) => string): Spec[] {
  const t = tg.tenant.id;
  const probes = (live: LiveTarget) => topicProbes(ctx, idOf('produce'), tg, live);
  const one = (label: string, a: Answer): Labelled => ({ label, answer: a });
  const ofT = tg.expectsTopics ? `a live topic of ${t}` : `a topic under ${t}'s prefix ${tg.tenant.topicPrefix}`;
  const specs: Spec[] = [
    {
      kind: 'produce',
      description: `${p.username} cannot produce to ${ofT}; probed on a partition that does not exist, so nothing is written even if allowed`,
      run: async (s, live) =>
        allDenied(TOPIC_DENIED, [
          one(
            `produce to ${live.topic} partition ${live.missingPartition}`,
            await probes(live).produce!(s, live.topic),
          ),
        ]),
    },
    {
      kind: 'fetch',
      description: `${p.username} cannot fetch (consume) ${ofT}`,
      run: async (s, live) =>
        allDenied(TOPIC_DENIED, [one(`fetch ${live.topic}`, await probes(live).fetch!(s, live.topic))]),
    },
    {
      kind: 'metadata',
      description: `${p.username} cannot read the metadata of ${ofT}`,
      run: async (s, live) =>
        allDenied(TOPIC_DENIED, [one(`metadata of ${live.topic}`, await probes(live).metadata!(s, live.topic))]),
    },
    {
      kind: 'list-offsets',
      description: `${p.username} cannot list the offsets of ${ofT}`,
      run: async (s, live) =>
        allDenied(TOPIC_DENIED, [
          one(`list offsets of ${live.topic}`, await probes(live)['list-offsets']!(s, live.topic)),
        ]),
    },
    {
      kind: 'join-group',
      description: `${p.username} cannot join a consumer group of ${t} (${tg.freshGroup})`,
      run: async (s, live) =>
        allDenied(GROUP_DENIED, [
          one(`join ${tg.freshGroup}`, await answer(() => s.joinGroup(tg.freshGroup, [live.topic]))),
        ]),
    },
    {
      kind: 'commit-offsets',
      description: `${p.username} cannot commit offsets for a consumer group of ${t} (${tg.freshGroup})`,
      run: async (s, live) =>
        allDenied(GROUP_DENIED, [
          one(`commit offsets as ${tg.freshGroup}`, await answer(() => s.commitOffset(tg.freshGroup, live.topic))),
        ]),
    },
    {
      kind: 'fetch-offsets',
      description: `${p.username} cannot read the offsets or membership of ${t}'s consumer groups`,
      run: async (s, live) => {
        const groups = tg.declaredGroups.length ? tg.declaredGroups : [tg.freshGroup];
        const attempts: Labelled[] = [];
        for (const g of groups) {
          attempts.push(one(`fetch offsets of ${g}`, await answer(() => s.fetchOffsets(g, live.topic))));
          attempts.push(one(`describe group ${g}`, await answer(() => s.describeGroup(g))));
        }
        return allDenied(GROUP_DENIED, attempts);
      },
    },
    {
      kind: 'transactional-id',
      description: `${p.username} cannot use a transactional id of ${t}`,
      run: async (s) => {
        const attempts: Labelled[] = [];
        for (const x of tg.declaredTransactionalIds.length ? tg.declaredTransactionalIds : [tg.freshTransactionalId]) {
          attempts.push(one(`find the coordinator of ${x}`, await answer(() => s.findTransactionCoordinator(x))));
        }
        attempts.push(
          one(
            `init producer id as ${tg.freshTransactionalId}`,
            await answer(() => s.initProducerId(tg.freshTransactionalId)),
          ),
        );
        return allDenied(TXN_DENIED, attempts);
      },
    },
    {
      kind: 'create-topic',
      description: `${p.username} cannot create a topic under ${t}'s prefix (validate-only request)`,
      run: async (s, live) =>
        allDenied(TOPIC_DENIED, [one(`create ${tg.absent}`, await probes(live)['create-topic']!(s, tg.absent))]),
    },
    {
      kind: 'delete-topic',
      description: `${p.username} cannot delete topics under ${t}'s prefix (probed on a name that does not exist)`,
      run: async (s) =>
        allDenied(TOPIC_DENIED, [one(`delete ${tg.absent}`, await answer(() => s.deleteTopic(tg.absent)))]),
    },
    {
      kind: 'describe-configs',
      description: `${p.username} cannot read the configs of ${ofT}`,
      run: async (s, live) =>
        allDenied(TOPIC_DENIED, [
          one(`describe configs of ${live.topic}`, await probes(live)['describe-configs']!(s, live.topic)),
        ]),
    },
    {
      kind: 'alter-configs',
      description: `${p.username} cannot change the configs of ${ofT} (validate-only request)`,
      run: async (s, live) =>
        allDenied(TOPIC_DENIED, [
          one(
            `alter retention.ms of ${live.topic}`,
            await answer(() => s.validateAlterTopicConfig(live.topic, 'retention.ms', tg.retentionMs)),
          ),
        ]),
    },
  ];
  // Topics the model grants this principal (a platform consumer's premium-topic READ) are not compared.
  const foreign = tg.tenant.topics.filter((x) => !p.acls.some((b) => matchesResource(b, 'Topic', x.name)));
  if (tg.expectsTopics && foreign.length > 0) {
    specs.push({
      kind: 'existence-oracle',
      description: `${p.username} gets the same answer for ${t}'s existing topic (one that is live) as for a topic that does not exist`,
      run: async (s, live) => {
        const existing = live.existing;
        if (!existing) {
          // Comparing two missing topics would pass without proving anything.
          throw new Error(
            `${t} declares topics but none exists under ${tg.tenant.topicPrefix} on ${tg.tenant.cluster}: the oracle has nothing to compare (see conformance.topic)`,
          );
        }
        const rows: string[] = [];
        const differing: string[] = [];
        for (const [op, probe] of Object.entries(probes(live))) {
          const onExisting = showAnswer(await probe(s, existing));
          const onAbsent = showAnswer(await probe(s, tg.absent));
          rows.push(`${op}: existing ${existing} → ${onExisting}; missing ${tg.absent} → ${onAbsent}`);
          if (onExisting !== onAbsent) differing.push(`${op} (${onExisting} vs ${onAbsent})`);
        }
        return {
          status: differing.length === 0 ? 'pass' : 'fail',
          expected: 'identical answers for an existing and a missing topic',
          observed:
            differing.length === 0
              ? `identical answers (existing ${existing})`
              : `answers differ: ${differing.join('; ')}`,
          details: rows,
        };
      },
    });
  }
  return specs;
}

/**
 * Cross-tenant checks for every principal of every actor owner in `pairs` against the pair's target. Targets that
 * were decommissioned with their data get every probe but the existence oracle: nothing of theirs is live to
 * compare with (`existenceOracleNotes` says so in the report), and everything else still aims at names under their
 * prefix that nobody may reach.
 */
export function negativePairChecks(
  ctx: VerifyContext,
  pairs: readonly Pair[],
  actorsByOwner: ReadonlyMap<string, readonly Actor[]>,
): Check[] {
  const checks: Check[] = [];
  const lives = new Map<string, Promise<LiveTarget>>();
  for (const pair of pairs) {
    const victim = ctx.model.tenants.find((t) => t.id === pair.target);
    if (!victim) continue;
    const tg = target(ctx, victim);
    const live = (actor: PrincipalModel) => {
      const key = `${actor.principal}->${victim.id}`;
      let l = lives.get(key);
      if (!l) {
        l = liveTarget(ctx, tg, actor);
        l.catch(() => lives.delete(key));
        lives.set(key, l);
      }
      return l;
    };
    for (const actor of actorsByOwner.get(pair.actor) ?? []) {
      const p = actor.principal;
      const idOf = (kind: string) => `negative.${kind}:${p.username}->${victim.id}`;
      for (const spec of pairSpecs(ctx, p, tg, idOf)) {
        checks.push({
          id: idOf(spec.kind),
          tenant: actor.owner,
          target: victim.id,
          category: 'negative',
          cluster: actor.cluster,
          description: spec.description,
          run: async () => spec.run(await ctx.session(actor.cluster, p), await live(p)),
        });
      }
    }
  }
  return checks;
}

/** Report notes for the targets of `pairs` the existence oracle cannot probe by design. */
export function existenceOracleNotes(ctx: VerifyContext, pairs: readonly Pair[]): string[] {
  const targets = [...new Set(pairs.map((p) => p.target))].sort();
  return ctx.model.tenants
    .filter((t) => targets.includes(t.id) && dataDeleted(t))
    .map(
      (t) =>
        `${t.id} is decommissioned with its data: no existence oracle against it (nothing of it is live to compare); the other negative checks still probe names under ${t.topicPrefix}`,
    );
}

/** Owner of a topic name in the model (a tenant id, `platform` for shared topics), or `unknown`. */
export function topicOwner(ctx: VerifyContext, topic: string): string {
  const t = ctx.model.tenants.find((x) => topic.startsWith(x.topicPrefix));
  if (t) return t.id;
  return ctx.model.platform.topics.some((x) => x.name === topic) ? 'platform' : 'unknown';
}

/** Checks of one principal that involve no target tenant: creating topics, describing ACLs, listing topics. */
export function negativePrincipalChecks(ctx: VerifyContext, actors: readonly Actor[]): Check[] {
  const checks: Check[] = [];
  for (const actor of actors) {
    const p = actor.principal;
    const base = { tenant: actor.owner, category: 'negative' as const, cluster: actor.cluster };
    const rf = ctx.model.env.clusters[actor.cluster]?.replicationFactor ?? 1;
    const topicPrefixes = [
      ...new Set([
        ...(actor.tenant ? [actor.tenant.topicPrefix] : []),
        ...p.acls.filter((b) => b.resourceType === 'Topic' && b.patternType === 'Prefixed').map((b) => b.resourceName),
      ]),
    ].sort();
    checks.push({
      ...base,
      id: `negative.create-topic-own:${p.username}`,
      description: `${p.username} cannot create topics, not even under its own prefixes (${topicPrefixes.join(', ')}); validate-only request`,
      run: async () => {
        const s = await ctx.session(actor.cluster, p);
        const attempts: Labelled[] = [];
        for (const prefix of topicPrefixes) {
          const name = `${prefix}${VERIFY_MARK}-${ctx.runId}`;
          attempts.push({ label: `create ${name}`, answer: await answer(() => s.validateCreateTopic(name, rf)) });
        }
        return allDenied(TOPIC_DENIED, attempts);
      },
    });
    checks.push({
      ...base,
      id: `negative.describe-acls:${p.username}`,
      description: `${p.username} cannot describe ACLs (that needs DESCRIBE on the Cluster and would list every principal's grants)`,
      run: async () => {
        const s = await ctx.session(actor.cluster, p);
        return allDenied(CLUSTER_DENIED, [
          { label: 'describe all ACLs', answer: await answer(() => s.describeAcls()) },
        ]);
      },
    });
    checks.push({
      ...base,
      id: `negative.metadata-leak:${p.username}`,
      description: `listing all topics as ${p.username} shows only topics its own grants cover, none of another tenant's`,
      run: async () => {
        const s = await ctx.session(actor.cluster, p);
        const visible = await s.metadata([]);
        const covered = (topic: string) => p.acls.some((b) => matchesResource(b, 'Topic', topic));
        const leaked = visible.filter((topic) => !covered(topic));
        return {
          status: leaked.length === 0 ? 'pass' : 'fail',
          expected: 'no topic outside its grants',
          observed:
            leaked.length === 0
              ? `${visible.length} topic(s) listed, all its own`
              : `${leaked.length} foreign topic(s) listed: ${leaked.slice(0, 5).join(', ')}${leaked.length > 5 ? ', …' : ''}`,
          details: leaked.map((topic) => `${topic} (owner: ${topicOwner(ctx, topic)})`),
        };
      },
    });
  }
  return checks;
}
