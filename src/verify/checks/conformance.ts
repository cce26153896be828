/**
 * Conformance: what is live is what the model declares, as the admin sees it. Topics (partitions, replication,
 * every declared config — `min.insync.replicas` among them —, no undeclared overrides; every partition fully
 * replicated: its declared number of replicas, a leader, all replicas in sync), no topic under a tenant's prefix the model does not know, no
 * tenant topic on a cluster the tenant does not live on, every ACL of every principal (nothing missing, nothing
 * extra), no binding that reaches into a namespace from outside, no binding that breaks the hygiene rules, and
 * every identity accounted for: SCRAM users and client quotas exactly as the model declares them.
 *
 * `conformance.acl-reach` is the cross-tenant proof for every pair at once: from the same live bindings, with
 * Kafka's matcher, no binding lets a principal reach another tenant's namespaces beyond what the model grants
 * (`AclReach`). It is why the negative probes need only a constant number of targets per tenant.
 */
import { otherPlacementTopics } from '../migration';
import { PLATFORM_NAMESPACE, SHARED_TOPIC_PREFIX, namespacePrefix } from '../../naming';
import type { Model, PrincipalModel, QuotaModel, TopicModel } from '../../model/types';
import {
  AclReach,
  type LiveAcl,
  type ReachProof,
  describeAcl,
  diffPrincipal,
  exposures,
  hygieneFindings,
  namespaces,
} from '../acl-diff';
import type { ClientQuotaEntry, QuotaEntityPart, ScramCredentialInfo } from '../admin-protocol';
import type { Actor, VerifyContext } from '../context';
import { ACL_EXEMPT, OPERATOR_USERS, PRINCIPAL_SCRAM } from '../context';
import { PLATFORM, type Scope } from '../scope';
import type { Pair } from '../pairs';
import type { Check, CheckOutcome } from '../types';
import { replicationFindings, replicationSummary } from '../replication';

function topicCheck(ctx: VerifyContext, owner: string, cluster: string, topic: TopicModel, absent: boolean): Check {
  const declared: Array<[string, string]> = [
    ['partitions', String(topic.partitions)],
    ['replication.factor', String(topic.replicationFactor)],
    ...Object.entries(topic.config),
  ];
  const expected = absent ? 'absent (decommissioned with its data)' : declared.map(([k, v]) => `${k}=${v}`).join(' ');
  return {
    id: `conformance.topic:${topic.name}`,
    tenant: owner,
    category: 'conformance',
    cluster,
    description: absent
      ? `${topic.name} was deleted with its decommissioned tenant`
      : `${topic.name} exists on ${cluster} with the declared partitions, replication factor and configs, and no undeclared overrides`,
    run: async () => {
      const live = (await ctx.snapshot(cluster)).topics.get(topic.name);
      if (absent) return { status: live ? 'fail' : 'pass', expected, observed: live ? 'exists' : 'absent' };
      if (!live) return { status: 'fail', expected, observed: `missing on ${cluster}` };
      const actual = (k: string) =>
        k === 'partitions'
          ? String(live.partitions)
          : k === 'replication.factor'
            ? String(live.replicationFactor)
            : (live.configs.get(k)?.value ?? '(unset)');
      const mismatches = declared
        .filter(([k, v]) => actual(k) !== v)
        .map(([k, v]) => `${k}: declared ${v}, live ${actual(k)}`);
      const undeclared = [...live.configs]
        .filter(([k, c]) => c.override && !(k in topic.config))
        .map(([k, c]) => `${k}=${c.value}: a per-topic override the model does not declare`);
      const problems = [...mismatches, ...undeclared];
      return {
        status: problems.length === 0 ? 'pass' : 'fail',
        expected,
        observed: problems.length === 0 ? 'as declared' : problems.join('; '),
        details: problems,
      };
    },
  };
}

/**
 * Every partition of a declared topic is fully replicated: the declared replication factor, a leader, and every
 * replica in sync. A broker that is down or behind fails it, naming the partitions and the brokers, and says whether
 * the partitions are still above `min.insync.replicas` (acks=all producers go on) or below (they are refused).
 */
function replicationCheck(ctx: VerifyContext, owner: string, cluster: string, topic: TopicModel): Check {
  const minIsr = topic.config['min.insync.replicas'];
  const decl = {
    topic: topic.name,
    replicationFactor: topic.replicationFactor,
    minInsyncReplicas: minIsr === undefined ? undefined : Number(minIsr),
  };
  const expected = `every partition: ${topic.replicationFactor} replica(s), a leader, all in sync`;
  return {
    id: `conformance.replication:${topic.name}`,
    tenant: owner,
    category: 'conformance',
    cluster,
    description: `every partition of ${topic.name} on ${cluster} has its ${topic.replicationFactor} replica(s) and a leader, and all of them are in sync (ISR = replicas)`,
    run: async () => {
      const live = (await ctx.snapshot(cluster)).topics.get(topic.name);
      // a missing topic is conformance.topic's failure; here there is nothing to judge
      if (!live) return { status: 'skipped', expected, observed: `not judged: ${topic.name} is missing on ${cluster}` };
      const findings = replicationFindings(decl, live.partitionReplicas);
      return {
        status: findings.length === 0 ? 'pass' : 'fail',
        expected,
        observed:
          findings.length === 0
            ? `${live.partitions} partition(s) fully replicated`
            : `${replicationSummary(findings, live.partitions)}: ${findings
                .slice(0, 2)
                .map((f) => f.message)
                .join('; ')}${findings.length > 2 ? '; …' : ''}`,
        details: findings.map((f) => f.message),
      };
    },
  };
}

function listOutcome(expected: string, found: readonly string[], what: string): CheckOutcome {
  return {
    status: found.length === 0 ? 'pass' : 'fail',
    expected,
    observed:
      found.length === 0
        ? 'none'
        : `${found.length} ${what}: ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}`,
    details: found,
  };
}

async function allAcls(ctx: VerifyContext): Promise<LiveAcl[]> {
  const snaps = await Promise.all(ctx.clusters().map((c) => ctx.snapshot(c)));
  return snaps.flatMap((s) => s.acls);
}

function aclCheck(
  ctx: VerifyContext,
  owner: string,
  cluster: string,
  p: PrincipalModel,
  expected: PrincipalModel['acls'],
): Check {
  return {
    id: `conformance.acls:${p.username}`,
    tenant: owner,
    category: 'conformance',
    cluster,
    description:
      expected.length === 0
        ? `${p.username} has no ACLs left on any cluster (its tenant is decommissioning)`
        : `${p.username} has exactly the ${expected.length} ACL binding(s) the model derives, on ${cluster} only`,
    run: async () => {
      const diff = diffPrincipal(p.principal, cluster, expected, await allAcls(ctx));
      const lines = [
        ...diff.missing.map(
          (b) =>
            `missing: ALLOW ${b.principal} ${b.operation.toUpperCase()} ${b.resourceType} ${b.patternType.toUpperCase()} "${b.resourceName}" (${b.reason})`,
        ),
        ...diff.extra.map((a) => `extra: ${describeAcl(a)}`),
      ];
      return {
        status: lines.length === 0 ? 'pass' : 'fail',
        expected: `${expected.length} binding(s) as derived`,
        observed:
          lines.length === 0
            ? `${expected.length} binding(s) as derived`
            : `${diff.missing.length} missing, ${diff.extra.length} extra: ${lines.slice(0, 3).join('; ')}${lines.length > 3 ? '; …' : ''}`,
        details: lines,
      };
    },
  };
}

/** A SCRAM user the model declares: a tenant application or platform consumer, where it lives, and its state. */
interface Identity {
  readonly username: string;
  /** Tenant id, or `platform`. */
  readonly owner: string;
  readonly cluster: string;
  /** False for the principals of a decommissioning tenant: revoked credential may stay, no quota. */
  readonly active: boolean;
  readonly quota: QuotaModel;
  /**
   * A tier migration's other cluster: until done the target (credential and quota, no grant), after done or an
   * abort the cluster left behind (a revoked credential may stay, no quota). @default - none
   */
  readonly beside?: { readonly cluster: string; readonly active: boolean };
}

/** Where a migrating tenant's users also live (verify/migration.ts views keep the migration on the source view). */
function besideOf(t: Model['tenants'][number]): Identity['beside'] {
  const m = t.migration;
  if (!m || m.sameCluster) return undefined;
  if (m.state === 'copying' || m.state === 'cutover') return { cluster: m.targetCluster, active: true };
  if (m.state === 'aborted') return { cluster: m.targetCluster, active: false };
  return { cluster: m.source.cluster, active: false };
}

function modelIdentities(model: Model): Identity[] {
  return [
    ...model.tenants.flatMap((t) =>
      t.principals.map((p) => ({
        username: p.username,
        owner: t.id,
        cluster: t.cluster,
        active: t.lifecycle === 'active',
        quota: p.quota,
        beside: besideOf(t),
      })),
    ),
    ...model.platform.consumers.map((p) => ({
      username: p.username,
      owner: PLATFORM,
      cluster: model.env.sharedCluster,
      active: true,
      quota: p.quota,
    })),
  ];
}

/** Kafka quota config keys and the model's fields, in the order reports list them. */
const QUOTA_KEYS: ReadonlyArray<readonly [string, keyof QuotaModel]> = [
  ['producer_byte_rate', 'producerByteRate'],
  ['consumer_byte_rate', 'consumerByteRate'],
  ['request_percentage', 'requestPercentage'],
];

const showCredential = (c: ScramCredentialInfo) => `${c.mechanism}, ${c.iterations} iterations`;
const showEntity = (e: readonly QuotaEntityPart[]) =>
  e.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).join(', ');
const showValues = (values: Readonly<Record<string, number>>) =>
  Object.keys(values)
    .sort()
    .map((k) => `${k}=${values[k]}`)
    .join(' ');
const showQuota = (q: QuotaModel) => QUOTA_KEYS.map(([k, f]) => `${k}=${q[f]}`).join(' ');

/** The user of a plain user entity (`user=<name>`, nothing else); undefined for any other entity. */
function plainUser(entry: ClientQuotaEntry): string | undefined {
  const [only, ...rest] = entry.entity;
  return rest.length === 0 && only?.entityType === 'user' && only.entityName !== null ? only.entityName : undefined;
}

const mentionsUser = (entry: ClientQuotaEntry, user: string) =>
  entry.entity.some((p) => p.entityType === 'user' && p.entityName === user);

/** One credential, SCRAM-SHA-512 with the iterations ScramPrincipal asks for: the problems with what is live. */
function credentialProblems(creds: readonly ScramCredentialInfo[]): string[] {
  const problems = creds
    .filter((c) => c.mechanism !== PRINCIPAL_SCRAM.mechanism || c.iterations !== PRINCIPAL_SCRAM.iterations)
    .map((c) => `credential ${showCredential(c)}: declared ${showCredential(PRINCIPAL_SCRAM)}`);
  if (creds.length > 1) problems.push(`${creds.length} credentials (${creds.map(showCredential).join('; ')}): one`);
  return problems;
}

/** Differences between a live user quota and the declared one (missing keys, other values, undeclared keys). */
function quotaProblems(values: Readonly<Record<string, number>>, declared: QuotaModel): string[] {
  const problems = QUOTA_KEYS.filter(([k, f]) => values[k] !== declared[f]).map(
    ([k, f]) => `${k}: declared ${declared[f]}, live ${values[k] ?? '(unset)'}`,
  );
  const known = QUOTA_KEYS.map(([k]) => k);
  for (const k of Object.keys(values).sort()) {
    if (!known.includes(k)) problems.push(`${k}=${values[k]}: a quota the model does not declare`);
  }
  return problems;
}

function scramCredentialCheck(ctx: VerifyContext, id: Identity): Check {
  const others = ctx.clusters().filter((c) => c !== id.cluster);
  const expected = id.active
    ? `one ${showCredential(PRINCIPAL_SCRAM)} credential on ${id.cluster}, none elsewhere`
    : `no credential, or a revoked one (${showCredential(PRINCIPAL_SCRAM)}), on ${id.cluster}; none elsewhere`;
  return {
    id: `conformance.scram-credential:${id.username}`,
    tenant: id.owner,
    category: 'conformance',
    cluster: id.cluster,
    description: id.active
      ? `${id.username} has exactly one SCRAM credential (${showCredential(PRINCIPAL_SCRAM)}) on ${id.cluster} and none on ${others.join(', ') || 'any other cluster'}`
      : `${id.username}'s credential (its tenant is decommissioning) exists on no cluster but ${id.cluster}`,
    run: async () => {
      const problems: string[] = [];
      const own = (await ctx.identities(id.cluster)).scramUsers.get(id.username);
      if (!own && id.active) problems.push(`missing on ${id.cluster}`);
      if (own) problems.push(...credentialProblems(own).map((p) => `${id.cluster}: ${p}`));
      for (const c of others) {
        const there = (await ctx.identities(c)).scramUsers.get(id.username);
        if (c === id.beside?.cluster) {
          if (!there && id.beside.active) problems.push(`missing on ${c}, where its tier migration needs it`);
          if (there) problems.push(...credentialProblems(there).map((p) => `${c}: ${p}`));
        } else if (there)
          problems.push(`present on ${c} (${there.map(showCredential).join('; ')}): it lives on ${id.cluster}`);
      }
      return {
        status: problems.length === 0 ? 'pass' : 'fail',
        expected,
        observed:
          problems.length > 0
            ? problems.join('; ')
            : own
              ? `${own.map(showCredential).join('; ')} on ${id.cluster} only`
              : `none on any cluster`,
        details: problems,
      };
    },
  };
}

function quotaCheck(ctx: VerifyContext, id: Identity): Check {
  const expected = id.active ? `user quota ${showQuota(id.quota)} on ${id.cluster} only` : 'no quota on any cluster';
  return {
    id: `conformance.quota:${id.username}`,
    tenant: id.owner,
    category: 'conformance',
    cluster: id.cluster,
    description: id.active
      ? `${id.username}'s client quota (user entity) on ${id.cluster} is exactly the declared ${showQuota(id.quota)}, and no other quota entity names it on any cluster`
      : `${id.username} has no quota left on any cluster (its tenant is decommissioning)`,
    run: async () => {
      const problems: string[] = [];
      let live: Readonly<Record<string, number>> | undefined;
      for (const c of ctx.clusters()) {
        for (const entry of (await ctx.identities(c)).quotas.filter((e) => mentionsUser(e, id.username))) {
          const own = c === id.cluster && plainUser(entry) === id.username;
          // until done a migrating user has its quota on the target too (the target tier's, compared by plan)
          if (c === id.beside?.cluster && id.beside.active && plainUser(entry) === id.username) continue;
          if (own && id.active) live = entry.values;
          else if (own) problems.push(`${c}: ${showValues(entry.values)}: a quota its decommissioning tenant gave up`);
          else if (plainUser(entry)) problems.push(`${c}: ${showValues(entry.values)}: it lives on ${id.cluster}`);
          else
            problems.push(
              `${c}: ${showEntity(entry.entity)}: ${showValues(entry.values)}: a quota entity the model does not declare (it takes precedence over the user quota)`,
            );
        }
      }
      if (id.active && !live) problems.unshift(`no user quota on ${id.cluster}: the broker does not throttle it`);
      if (live) problems.unshift(...quotaProblems(live, id.quota).map((p) => `${id.cluster}: ${p}`));
      return {
        status: problems.length === 0 ? 'pass' : 'fail',
        expected,
        observed: problems.length > 0 ? problems.join('; ') : live ? `${showValues(live)} on ${id.cluster}` : 'none',
        details: problems,
      };
    },
  };
}

/**
 * Cluster-wide identity checks: every SCRAM user and every quota entity on the cluster is one the model declares.
 * Only for a run over the whole fleet: a scoped run may come from a root that declares part of it (a team's own
 * tenant); its principals' own checks still look at every cluster.
 */
function clusterIdentityChecks(ctx: VerifyContext, cluster: string, identities: readonly Identity[]): Check[] {
  const byName = new Map(identities.map((i) => [i.username, i]));
  const here = identities.filter((i) => i.cluster === cluster);
  const besides = identities.filter((i) => i.beside?.cluster === cluster);
  const activeBeside = besides.filter((i) => i.beside?.active).map((i) => i.username);
  const required = [
    ...OPERATOR_USERS.required,
    ...here.filter((i) => i.active).map((i) => i.username),
    ...activeBeside,
  ];
  const quotaed = new Set([...here.filter((i) => i.active).map((i) => i.username), ...activeBeside]);
  return [
    {
      id: `conformance.scram-users:${cluster}`,
      tenant: `cluster:${cluster}`,
      category: 'conformance',
      cluster,
      description: `the SCRAM users on ${cluster} are exactly the operator account(s) ${OPERATOR_USERS.required.join(', ')} and the ${here.length} principal(s) the model places there`,
      run: async () => {
        const live = (await ctx.identities(cluster)).scramUsers;
        const found: string[] = [];
        for (const [user, creds] of live) {
          const known = byName.get(user);
          if (OPERATOR_USERS.required.includes(user) || OPERATOR_USERS.optional.includes(user)) {
            if (!creds.some((c) => c.mechanism === PRINCIPAL_SCRAM.mechanism)) {
              found.push(
                `operator: ${user} has no ${PRINCIPAL_SCRAM.mechanism} credential (${creds.map(showCredential).join('; ')})`,
              );
            }
          } else if (!known) {
            found.push(
              `extra: ${user} (${creds.map(showCredential).join('; ')}): no tenant file or platform consumer declares it`,
            );
          } else if (known.cluster !== cluster && known.beside?.cluster !== cluster) {
            found.push(`misplaced: ${user} (${known.owner}) lives on ${known.cluster}`);
          }
        }
        for (const user of required) {
          if (!live.has(user)) found.push(`missing: ${user} (${byName.get(user)?.owner ?? 'operator'})`);
        }
        return listOutcome(`only declared SCRAM users on ${cluster}, none missing`, found, 'finding(s)');
      },
    },
    {
      id: `conformance.quota-entities:${cluster}`,
      tenant: `cluster:${cluster}`,
      category: 'conformance',
      cluster,
      description: `every client quota entity on ${cluster} is the user quota of a principal the model places there (no <default> user or client-id quota, no client-id or ip entity, no quota for an unknown user)`,
      run: async () => {
        const found: string[] = [];
        for (const entry of (await ctx.identities(cluster)).quotas) {
          const user = plainUser(entry);
          if (user && quotaed.has(user)) continue; // its own check compares the values
          const known = user ? byName.get(user) : undefined;
          const why = entry.entity.some((p) => p.entityName === null)
            ? 'a default quota: it applies to every entity without its own (the operator accounts included)'
            : !user
              ? 'a quota entity the model never declares'
              : known && known.cluster !== cluster
                ? `${user} lives on ${known.cluster}`
                : known
                  ? `${user}'s tenant is decommissioning: its quota goes`
                  : 'no tenant file or platform consumer declares this user';
          found.push(`${showEntity(entry.entity)}: ${showValues(entry.values)}: ${why}`);
        }
        return listOutcome(
          `only the user quotas of the ${quotaed.size} principal(s) on ${cluster}`,
          found,
          'undeclared quota entit(ies)',
        );
      },
    },
  ];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The outcome of a reach proof: pass with what it covered, or fail naming every binding that reaches across. */
function reachOutcome(who: string, proof: ReachProof): CheckOutcome {
  const covered =
    `${plural(proof.tenants, 'other tenant')} (${plural(proof.foreign, 'namespace')}) ` +
    `from ${plural(proof.bindings, 'live binding')} (${proof.applicable} apply to ${who})`;
  const evidence = [
    ...proof.granted.map((r) => `granted: ${r.message}`),
    ...proof.cancelled.map((r) => `cancelled: ${r.message}`),
  ];
  if (proof.findings.length === 0) {
    return {
      status: 'pass',
      expected: `no binding lets ${who} reach another tenant`,
      observed: `proven for all ${covered}${proof.granted.length ? `; ${proof.granted.length} reach(es) the model grants` : ''}`,
      details: evidence,
    };
  }
  const found = proof.findings.map((r) => r.message);
  return {
    status: 'fail',
    expected: `no binding lets ${who} reach another tenant`,
    observed: `${plural(found.length, 'binding reach', 'binding reaches')} across a tenant boundary: ${found.slice(0, 3).join('; ')}${found.length > 3 ? '; …' : ''}`,
    details: [...found, ...evidence],
  };
}

/**
 * The cross-tenant proof from every live binding (`AclReach`): one check per principal of the scope, and per
 * cluster one for the principals outside the model that hold bindings there (`User:*`, unknown users, a
 * decommissioning tenant's principals). Reads only the admin snapshots conformance already takes.
 */
function reachChecks(ctx: VerifyContext, scope: Scope, actors: readonly Actor[]): Check[] {
  const model = ctx.model;
  const spaces = namespaces(model);
  let built: Promise<AclReach> | undefined;
  const reach = () => {
    built ??= allAcls(ctx).then((live) => new AclReach(live, spaces, ACL_EXEMPT));
    built.catch(() => (built = undefined));
    return built;
  };
  const others = (owner: string) => model.tenants.filter((t) => t.id !== owner).length;
  const checks: Check[] = actors.map((actor) => {
    const p = actor.principal;
    return {
      id: `conformance.acl-reach:${p.username}`,
      tenant: actor.owner,
      category: 'conformance',
      cluster: actor.cluster,
      description:
        `no live binding lets ${p.username} reach another tenant: every ALLOW that applies to it (its own and User:*'s, ` +
        `any host, DENYs applied with Kafka's matcher) against the topic, group and transactional-id prefixes of all ` +
        `${others(actor.owner)} other tenants and the platform's, beyond what the model grants`,
      run: async () =>
        reachOutcome(
          p.username,
          (await reach()).prove({ principal: p.principal, cluster: actor.cluster, grants: p.acls }),
        ),
    };
  });
  const modelled = new Set(ctx.actors().map((a) => a.principal.principal));
  // Only when the whole fleet is verified, like the other per-cluster identity checks: a run scoped to some tenants
  // (or a root declaring only some) would count every other deployed principal as "outside the model". User:*
  // bindings still count in every run: they apply to each principal's own proof above.
  for (const cluster of scope.all ? scope.clusters() : []) {
    checks.push({
      id: `conformance.acl-reach-others:${cluster}`,
      tenant: `cluster:${cluster}`,
      category: 'conformance',
      cluster,
      description: `no live binding on ${cluster} for a principal outside the model's active ones (User:*, an unknown user, a decommissioning tenant's principal) reaches any tenant's or the platform's namespaces`,
      run: async () => {
        const r = await reach();
        const holders = r.holders(cluster).filter((h) => !modelled.has(h) && !ACL_EXEMPT.includes(h));
        const proofs = holders.map((h) => r.prove({ principal: h, allows: 'own', clusters: [cluster] }));
        const findings = proofs.flatMap((m) => m.findings);
        const cancelled = proofs.flatMap((m) => m.cancelled);
        const expected = 'no binding for a principal outside the model reaches a namespace';
        return findings.length === 0
          ? {
              status: 'pass',
              expected,
              observed: `proven for ${plural(holders.length, 'principal')} outside the model from ${plural(r.count(cluster), 'binding')} on ${cluster}`,
              details: [...holders.map((h) => `checked: ${h}`), ...cancelled.map((c) => `cancelled: ${c.message}`)],
            }
          : {
              status: 'fail',
              expected,
              observed: `${plural(findings.length, 'binding reach', 'binding reaches')} from outside the model: ${findings
                .slice(0, 3)
                .map((f) => f.message)
                .join('; ')}${findings.length > 3 ? '; …' : ''}`,
              details: [...findings.map((f) => f.message), ...cancelled.map((c) => `cancelled: ${c.message}`)],
            };
      },
    });
  }
  return checks;
}

export function conformanceChecks(ctx: VerifyContext, scope: Scope, actors: readonly Actor[]): Check[] {
  const checks: Check[] = [];
  const model = ctx.model;
  const shared = model.env.sharedCluster;

  for (const t of model.tenants.filter((x) => scope.has(x.id))) {
    const absent = t.lifecycle === 'decommissioning' && t.deleteData;
    for (const topic of t.topics) checks.push(topicCheck(ctx, t.id, t.cluster, topic, absent));
    if (!absent) for (const topic of t.topics) checks.push(replicationCheck(ctx, t.id, t.cluster, topic));
    // Retired with deleteData: false: forgotten by Terraform, kept on the cluster on purpose.
    const kept = t.retiredTopics.filter((r) => !r.deleteData).map((r) => r.name);
    const beside = otherPlacementTopics(t); // a tier migration's other placement (verify/migration.ts)
    const known = [...(absent ? [] : t.topics.map((x) => x.name)), ...kept, ...(beside.get(t.cluster) ?? [])];
    checks.push({
      id: `conformance.unknown-topics:${t.id}`,
      tenant: t.id,
      category: 'conformance',
      cluster: t.cluster,
      description: `every topic under ${t.topicPrefix} on ${t.cluster} is one ${t.file} declares (or retires keeping its data)`,
      run: async () => {
        const live = [...(await ctx.snapshot(t.cluster)).topics.keys()];
        const unknown = live.filter((n) => n.startsWith(t.topicPrefix) && !known.includes(n));
        return listOutcome(`only declared topics under ${t.topicPrefix}`, unknown, 'undeclared topic(s)');
      },
    });
    const elsewhere = ctx.clusters().filter((c) => c !== t.cluster);
    if (elsewhere.length > 0) {
      const dedicated = t.tier === 'dedicated';
      checks.push({
        id: `${dedicated ? 'dedicated-tier' : 'conformance'}.placement:${t.id}`,
        tenant: t.id,
        category: dedicated ? 'dedicated-tier' : 'conformance',
        cluster: t.cluster,
        description: `${t.id}'s topics exist only on its own cluster ${t.cluster} (none under ${t.topicPrefix} on ${elsewhere.join(', ')})`,
        run: async () => {
          const found: string[] = [];
          for (const c of elsewhere) {
            for (const n of (await ctx.snapshot(c)).topics.keys())
              if (n.startsWith(t.topicPrefix) && !beside.get(c)?.includes(n)) found.push(`${n} @${c}`);
          }
          return listOutcome(`no topic under ${t.topicPrefix} outside ${t.cluster}`, found, 'misplaced topic(s)');
        },
      });
    }
    if (t.lifecycle === 'decommissioning') {
      for (const p of t.principals) checks.push(aclCheck(ctx, t.id, t.cluster, p, []));
    }
  }

  // Every principal of the scope: its credential and its quota, looked for on every cluster.
  const identities = modelIdentities(model);
  for (const id of identities.filter((i) => scope.has(i.owner))) {
    checks.push(scramCredentialCheck(ctx, id), quotaCheck(ctx, id));
  }
  if (scope.all) for (const c of ctx.clusters()) checks.push(...clusterIdentityChecks(ctx, c, identities));

  if (scope.has(PLATFORM)) {
    for (const topic of model.platform.topics) {
      checks.push(topicCheck(ctx, PLATFORM, shared, topic, false), replicationCheck(ctx, PLATFORM, shared, topic));
    }
    const known = [
      ...model.platform.topics.map((x) => x.name),
      ...model.platform.retiredTopics.filter((r) => !r.deleteData).map((r) => r.name),
    ];
    const prefixes = [SHARED_TOPIC_PREFIX, namespacePrefix(PLATFORM_NAMESPACE)];
    checks.push({
      id: 'conformance.unknown-topics:platform',
      tenant: PLATFORM,
      category: 'conformance',
      cluster: shared,
      description: `every topic under ${prefixes.join(' or ')} on any cluster is a shared topic the environment declares, on ${shared}`,
      run: async () => {
        const found: string[] = [];
        for (const c of ctx.clusters()) {
          for (const n of (await ctx.snapshot(c)).topics.keys()) {
            if (prefixes.some((x) => n.startsWith(x)) && !(c === shared && known.includes(n))) found.push(`${n} @${c}`);
          }
        }
        return listOutcome(`only declared shared topics, on ${shared}`, found, 'undeclared topic(s)');
      },
    });
  }

  for (const actor of actors)
    checks.push(aclCheck(ctx, actor.owner, actor.cluster, actor.principal, actor.principal.acls));

  const spaces = namespaces(model);
  for (const owner of [...model.tenants.map((t) => t.id), PLATFORM].filter((o) => scope.has(o))) {
    const mine = spaces.filter((s) => s.owner === owner);
    const tenant = model.tenants.find((t) => t.id === owner);
    checks.push({
      id: `conformance.acl-exposure:${owner}`,
      tenant: owner,
      category: 'conformance',
      cluster: tenant?.cluster ?? shared,
      description: `no ALLOW binding on any cluster lets a principal outside ${owner} (another tenant, a wildcard, an unknown user) reach ${[...new Set(mine.map((s) => s.prefix))].join(', ')}`,
      run: async () => {
        const found = exposures(await allAcls(ctx), mine, ACL_EXEMPT).map((e) => e.message);
        return listOutcome(`no binding reaching ${owner}'s namespaces from outside`, found, 'foreign binding(s)');
      },
    });
  }

  checks.push(...reachChecks(ctx, scope, actors));

  for (const cluster of scope.clusters()) {
    checks.push({
      id: `conformance.acl-hygiene:${cluster}`,
      tenant: `cluster:${cluster}`,
      category: 'conformance',
      cluster,
      description: `no binding on ${cluster} allows a wildcard principal, a prefix without the separator, a literal "*" resource or anything on the Cluster`,
      run: async () => {
        const found = hygieneFindings((await ctx.snapshot(cluster)).acls, ACL_EXEMPT).map(
          (f) => `${f.rule}: ${f.message}`,
        );
        return listOutcome('no such binding', found, 'finding(s)');
      },
    });
  }
  return checks;
}

/**
 * The (actor owner, target tenant) pairs that live bindings let across: every actor with a finding of the proof
 * against a tenant of its own cluster, from a binding on that cluster. The access phase probes them on top of the
 * sample, so the broker shows what a foreign grant really allows (and a negative control's pair is always probed).
 * Empty on a fleet that conforms.
 */
export async function reachedPairs(ctx: VerifyContext, actors: readonly Actor[]): Promise<Pair[]> {
  const reach = new AclReach(await allAcls(ctx), namespaces(ctx.model), ACL_EXEMPT);
  const clusterOf = new Map(ctx.model.tenants.map((t) => [t.id, t.cluster]));
  const out = new Map<string, Pair>();
  for (const a of actors) {
    const proof = reach.prove({ principal: a.principal.principal, cluster: a.cluster, grants: a.principal.acls });
    for (const f of proof.findings) {
      const target = f.namespace.owner;
      if (target === a.owner || clusterOf.get(target) !== a.cluster || f.acl.cluster !== a.cluster) continue;
      out.set(`${a.owner}\n${target}`, { actor: a.owner, target });
    }
  }
  return [...out.values()];
}

/** Topics on a cluster under no namespace the model knows (for the report's notes; they fail no check). */
export async function unownedTopics(ctx: VerifyContext): Promise<string[]> {
  const prefixes = [
    ...ctx.model.tenants.map((t) => t.topicPrefix),
    SHARED_TOPIC_PREFIX,
    namespacePrefix(PLATFORM_NAMESPACE),
  ];
  const out: string[] = [];
  for (const c of ctx.clusters()) {
    for (const n of (await ctx.snapshot(c)).topics.keys()) {
      if (!prefixes.some((p) => n.startsWith(p))) out.push(`${n} @${c}`);
    }
  }
  return out;
}
