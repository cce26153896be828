/**
 * Conformance: what is live is what the model declares, as the admin sees it. Topics (partitions, replication,
 * every declared config, no undeclared overrides), no topic under a tenant's prefix the model does not know, no
 * tenant topic on a cluster the tenant does not live on, every ACL of every principal (nothing missing, nothing
 * extra), no binding that reaches into a namespace from outside, and no binding that breaks the hygiene rules.
 */
import { PLATFORM_NAMESPACE, SHARED_TOPIC_PREFIX, namespacePrefix } from '../../naming';
import type { PrincipalModel, TopicModel } from '../../model/types';
import { type LiveAcl, describeAcl, diffPrincipal, exposures, hygieneFindings, namespaces } from '../acl-diff';
import type { Actor, VerifyContext } from '../context';
import { SUPER_USERS } from '../context';
import { PLATFORM, type Scope } from '../scope';
import type { Check, CheckOutcome } from '../types';

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

export function conformanceChecks(ctx: VerifyContext, scope: Scope, actors: readonly Actor[]): Check[] {
  const checks: Check[] = [];
  const model = ctx.model;
  const shared = model.env.sharedCluster;

  for (const t of model.tenants.filter((x) => scope.has(x.id))) {
    const absent = t.lifecycle === 'decommissioning' && t.deleteData;
    for (const topic of t.topics) checks.push(topicCheck(ctx, t.id, t.cluster, topic, absent));
    // Retired with deleteData: false: forgotten by Terraform, kept on the cluster on purpose.
    const kept = t.retiredTopics.filter((r) => !r.deleteData).map((r) => r.name);
    const known = [...(absent ? [] : t.topics.map((x) => x.name)), ...kept];
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
              if (n.startsWith(t.topicPrefix)) found.push(`${n} @${c}`);
          }
          return listOutcome(`no topic under ${t.topicPrefix} outside ${t.cluster}`, found, 'misplaced topic(s)');
        },
      });
    }
    if (t.lifecycle === 'decommissioning') {
      for (const p of t.principals) checks.push(aclCheck(ctx, t.id, t.cluster, p, []));
    }
  }

  if (scope.has(PLATFORM)) {
    for (const topic of model.platform.topics) checks.push(topicCheck(ctx, PLATFORM, shared, topic, false));
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
        const found = exposures(await allAcls(ctx), mine, SUPER_USERS).map((e) => e.message);
        return listOutcome(`no binding reaching ${owner}'s namespaces from outside`, found, 'foreign binding(s)');
      },
    });
  }

  for (const cluster of scope.clusters()) {
    checks.push({
      id: `conformance.acl-hygiene:${cluster}`,
      tenant: `cluster:${cluster}`,
      category: 'conformance',
      cluster,
      description: `no binding on ${cluster} allows a wildcard principal, a prefix without the separator, a literal "*" resource or anything on the Cluster`,
      run: async () => {
        const found = hygieneFindings((await ctx.snapshot(cluster)).acls, SUPER_USERS).map(
          (f) => `${f.rule}: ${f.message}`,
        );
        return listOutcome('no such binding', found, 'finding(s)');
      },
    });
  }
  return checks;
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
