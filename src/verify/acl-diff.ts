/**
 * Live ACLs (as the admin sees them) against the model: which bindings are missing, which are extra, which break
 * the platform's hygiene rules (wildcard principal, prefix without separator, literal `*`, cluster grants), and
 * which let someone outside a namespace reach into it. Pure functions; the conformance checks feed them.
 */
import {
  type Acl,
  type AclBinding,
  type AclOperation,
  type AclPolicyCode,
  type AclRequest,
  type LiveAcl,
  WIDENING_RULES,
  aclPolicyFindings,
  authorize,
  describeAcl as describeBinding,
  matches,
  reachesPrefix,
  sameAcl,
} from '../acl';
import { SHARED_TOPIC_PREFIX } from '../naming';
import type { Model } from '../model/types';

export type { LiveAcl };

/** `User:acme.billing: Read on topics prefixed "acme." @shared` — how findings name a live binding. */
export function describeAcl(a: LiveAcl): string {
  return `${describeBinding(a, { principal: true })} @${a.cluster}`;
}

const sameBinding = (expected: AclBinding, live: LiveAcl) => sameAcl(expected, live);

export interface PrincipalDiff {
  /** Bindings the model derives that are not on the principal's cluster. */
  readonly missing: readonly AclBinding[];
  /** Live bindings of the principal (on any cluster) the model does not derive. */
  readonly extra: readonly LiveAcl[];
}

/**
 * Every live binding of `principal` against the model's bindings for it. Expected bindings live on the
 * principal's own cluster; anything for it elsewhere is extra.
 */
export function diffPrincipal(
  principal: string,
  cluster: string,
  expected: readonly AclBinding[],
  live: readonly LiveAcl[],
): PrincipalDiff {
  const mine = live.filter((a) => a.principal === principal);
  const onCluster = mine.filter((a) => a.cluster === cluster);
  return {
    missing: expected.filter((e) => !onCluster.some((a) => sameBinding(e, a))),
    extra: mine.filter((a) => a.cluster !== cluster || !expected.some((e) => sameBinding(e, a))),
  };
}

export interface HygieneFinding {
  /** The policy rule (src/acl/policy.ts) the binding breaks. */
  readonly rule: AclPolicyCode;
  readonly acl: LiveAcl;
  readonly message: string;
}

/**
 * Bindings no tenant platform should ever have, whoever they are for — the widening rules of the ACL policy: an
 * ALLOW for a wildcard principal, a PREFIXED pattern that does not end with the separator (`acme` also matches
 * `acme-eu.`), a literal `*` topic, group or transactional id (the JulieOps "consumer without a group" mistake),
 * and any grant on the Cluster (DESCRIBE lists every principal's ACLs; ALTER_CONFIGS reconfigures brokers). DENY
 * bindings and super users are exempt.
 */
export function hygieneFindings(live: readonly LiveAcl[], superUsers: readonly string[]): HygieneFinding[] {
  return live
    .filter((acl) => acl.permission === 'Allow' && !superUsers.includes(acl.principal))
    .flatMap((acl) =>
      aclPolicyFindings(acl, WIDENING_RULES).map((f) => ({
        rule: f.code,
        acl,
        message: `${describeAcl(acl)}: ${f.message}`,
      })),
    );
}

/** A namespace someone owns (a tenant's topics, groups, transactional ids; the shared topics; a platform group). */
export interface Namespace {
  /** Tenant id, or `platform`. */
  readonly owner: string;
  readonly resourceType: 'Topic' | 'Group' | 'TransactionalId';
  readonly prefix: string;
  /** The only principals that may hold ALLOW bindings reaching into it. */
  readonly allowed: readonly string[];
  /**
   * The principals whose own namespace it is: the tenant's; for the shared topics the platform consumers; for a
   * platform group prefix its consumer. Anyone else reaches it only as far as the model grants (`AclReach`).
   */
  readonly members: readonly string[];
}

/**
 * The namespaces of the model. Shared topics may be reached by exactly the principals the model grants something
 * on them (shared-tier producers, platform consumers); each platform consumer's group prefix by that consumer.
 */
export function namespaces(model: Model): Namespace[] {
  const out: Namespace[] = [];
  const everyone = [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers];
  for (const t of model.tenants) {
    // Its own principals; on topics also anyone the model itself grants something there (a platform consumer's
    // LITERAL READ on the tenant's premium topic).
    const granted = everyone
      .filter((p) => p.acls.some((b) => b.resourceType === 'Topic' && reachesPrefix(b, t.topicPrefix)))
      .map((p) => p.principal);
    const allowed = t.principals.map((p) => p.principal);
    const members = allowed;
    out.push({
      owner: t.id,
      resourceType: 'Topic',
      prefix: t.topicPrefix,
      allowed: [...new Set([...allowed, ...granted])],
      members,
    });
    out.push({ owner: t.id, resourceType: 'Group', prefix: t.groupPrefix, allowed, members });
    out.push({ owner: t.id, resourceType: 'TransactionalId', prefix: t.transactionalIdPrefix, allowed, members });
  }
  out.push({
    owner: 'platform',
    resourceType: 'Topic',
    prefix: SHARED_TOPIC_PREFIX,
    allowed: everyone
      .filter((p) => p.acls.some((b) => b.resourceType === 'Topic' && b.resourceName.startsWith(SHARED_TOPIC_PREFIX)))
      .map((p) => p.principal),
    members: model.platform.consumers.map((c) => c.principal),
  });
  for (const c of model.platform.consumers) {
    for (const b of c.acls.filter((x) => x.resourceType === 'Group')) {
      out.push({
        owner: 'platform',
        resourceType: 'Group',
        prefix: b.resourceName,
        allowed: [c.principal],
        members: [c.principal],
      });
    }
  }
  return out;
}

export interface Exposure {
  readonly namespace: Namespace;
  readonly acl: LiveAcl;
  readonly message: string;
}

/**
 * ALLOW bindings that let a principal outside a namespace's allowed set (a wildcard principal, another tenant, an
 * unknown user) reach into it. Super users are exempt.
 */
export function exposures(
  live: readonly LiveAcl[],
  spaces: readonly Namespace[],
  superUsers: readonly string[],
): Exposure[] {
  const out: Exposure[] = [];
  for (const acl of live) {
    if (acl.permission !== 'Allow' || superUsers.includes(acl.principal)) continue;
    for (const ns of spaces) {
      if (acl.resourceType !== ns.resourceType || !reachesPrefix(acl, ns.prefix)) continue;
      if (ns.allowed.includes(acl.principal)) continue;
      out.push({
        namespace: ns,
        acl,
        message: `${describeAcl(acl)} reaches ${ns.owner}'s ${ns.resourceType} namespace "${ns.prefix}"`,
      });
    }
  }
  return out;
}

/** One ALLOW binding that reaches, for one principal, a namespace that is not its own. */
export interface Reach {
  readonly namespace: Namespace;
  readonly acl: LiveAcl;
  /**
   * What the broker would allow the principal there through this binding (Kafka's matcher, implied operations
   * included, every applicable DENY applied); empty when DENYs cancel it everywhere in the namespace.
   */
  readonly operations: readonly AclOperation[];
  readonly message: string;
}

/** The proof for one principal: every live binding that applies to it, against every namespace not its own. */
export interface ReachProof {
  readonly principal: string;
  /** Live bindings read (every cluster). */
  readonly bindings: number;
  /** Of those, the ones that apply to the principal: its own and `User:*`'s, ALLOW and DENY, any host. */
  readonly applicable: number;
  /** Namespaces not its own the proof covers. */
  readonly foreign: number;
  /** Other tenants those namespaces belong to. */
  readonly tenants: number;
  /** Reach the model does not grant: cross-tenant access. The proof holds when this is empty. */
  readonly findings: readonly Reach[];
  /** Reach the model grants (a platform consumer's LITERAL READ on a premium topic, a shared-tier WRITE). */
  readonly granted: readonly Reach[];
  /** ALLOWs into a foreign namespace that DENY bindings cancel there for every operation they grant. */
  readonly cancelled: readonly Reach[];
}

/** Who a proof is about. */
export interface ReachSubject {
  /** `User:acme.billing`, or `User:*`. */
  readonly principal: string;
  /** Where its model grants live; ALLOWs on other clusters are never granted by the model. */
  readonly cluster?: string;
  /** The bindings the model derives for it. @default - none */
  readonly grants?: readonly Acl[];
  /**
   * `applicable`: every ALLOW that applies to it (its own and `User:*`'s) — the proof for a principal of the
   * model. `own`: only ALLOWs naming it — for principals outside the model, where `User:*` is its own subject.
   * @default 'applicable'
   */
  readonly allows?: 'applicable' | 'own';
  /** The clusters whose bindings count. @default - every cluster */
  readonly clusters?: readonly string[];
}

const WILDCARD = 'User:*';
/** The operations the broker authorizes on each namespace type (Kafka's protocol ACL table; group configs since KIP-848). */
const NAMESPACE_OPERATIONS: Record<Namespace['resourceType'], readonly AclOperation[]> = {
  Topic: ['Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'DescribeConfigs', 'AlterConfigs'],
  Group: ['Read', 'Describe', 'Delete', 'DescribeConfigs', 'AlterConfigs'],
  TransactionalId: ['Write', 'Describe'],
};

/**
 * Cross-tenant reach from the live bindings, with Kafka's authorization semantics (`matches` and `authorize` of
 * src/acl): for a principal, every ALLOW that applies to it — its own and `User:*`'s, from any host (a
 * host-restricted ALLOW still reaches from that host) — against every namespace that is not its own. Where a
 * binding's pattern meets a namespace (`reachesPrefix`), the broker's decision is taken at a witness request: the
 * binding's literal name, or else a fresh name under the longer of the two prefixes that no narrower binding
 * singles out, from the binding's host (or a fresh host). Only bindings covering the whole overlap match the witness,
 * so a DENY cancels the reach exactly when it denies it everywhere in the overlap: DENYs can only narrow. What is
 * left is reach; it is granted when the model's own bindings for the principal allow the same at the witness, on
 * its own cluster (a platform consumer's LITERAL READ on a premium topic), else it is a finding.
 *
 * Built once per run; a proof costs O(applicable bindings × namespaces they meet), and finding the namespaces a
 * binding meets is a lookup in a sorted index, so proving every principal is O(bindings × log namespaces) in all,
 * with no request to a broker.
 */
export class AclReach {
  private readonly byCluster = new Map<string, Map<string, LiveAcl[]>>();
  private readonly prefixes = new Map<string, { sorted: string[]; byPrefix: Map<string, Namespace[]> }>();
  private readonly tenantOwners: ReadonlySet<string>;
  /** The namespaces each principal is a member of. */
  private readonly membership = new Map<string, Namespace[]>();
  readonly bindings: number;

  constructor(
    live: readonly LiveAcl[],
    private readonly spaces: readonly Namespace[],
    private readonly superUsers: readonly string[],
  ) {
    this.bindings = live.length;
    for (const a of live) {
      let principals = this.byCluster.get(a.cluster);
      if (!principals) this.byCluster.set(a.cluster, (principals = new Map()));
      principals.set(a.principal, [...(principals.get(a.principal) ?? []), a]);
    }
    for (const ns of spaces) {
      let index = this.prefixes.get(ns.resourceType);
      if (!index) this.prefixes.set(ns.resourceType, (index = { sorted: [], byPrefix: new Map() }));
      if (!index.byPrefix.has(ns.prefix)) index.sorted.push(ns.prefix);
      index.byPrefix.set(ns.prefix, [...(index.byPrefix.get(ns.prefix) ?? []), ns]);
    }
    for (const index of this.prefixes.values()) index.sorted.sort();
    this.tenantOwners = new Set(spaces.map((s) => s.owner).filter((o) => o !== 'platform'));
    for (const ns of spaces) {
      for (const m of ns.members) this.membership.set(m, [...(this.membership.get(m) ?? []), ns]);
    }
  }

  /** How many bindings `cluster` holds. */
  count(cluster: string): number {
    let n = 0;
    for (const list of this.byCluster.get(cluster)?.values() ?? []) n += list.length;
    return n;
  }

  /** Principals holding at least one binding on `cluster`. */
  holders(cluster: string): string[] {
    return [...(this.byCluster.get(cluster)?.keys() ?? [])].sort();
  }

  /** Bindings on `cluster` that apply to `principal` (its own and `User:*`'s). */
  applicable(cluster: string, principal: string): LiveAcl[] {
    const here = this.byCluster.get(cluster);
    if (!here) return [];
    return [...(here.get(principal) ?? []), ...(principal === WILDCARD ? [] : (here.get(WILDCARD) ?? []))];
  }

  /**
   * The namespaces whose names a binding's pattern can match: exactly `spaces.filter(ns => same type &&
   * reachesPrefix(acl, ns.prefix))`, found in the sorted index instead of by a scan.
   */
  reached(acl: Pick<Acl, 'resourceType' | 'patternType' | 'resourceName'>): Namespace[] {
    const index = this.prefixes.get(acl.resourceType);
    if (!index) return [];
    const name = acl.resourceName;
    let candidates: string[];
    if (acl.patternType === 'Literal' && name === '*') {
      candidates = index.sorted;
    } else {
      // Namespace prefixes the name starts with, and for a PREFIXED binding the namespaces under it.
      candidates = [];
      for (let i = 1; i <= name.length; i++)
        if (index.byPrefix.has(name.slice(0, i))) candidates.push(name.slice(0, i));
      if (acl.patternType === 'Prefixed') {
        let lo = 0;
        let hi = index.sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (index.sorted[mid]! < name) lo = mid + 1;
          else hi = mid;
        }
        for (let i = lo; i < index.sorted.length && index.sorted[i]!.startsWith(name); i++) {
          candidates.push(index.sorted[i]!);
        }
      }
    }
    return [...new Set(candidates)]
      .flatMap((p) => index.byPrefix.get(p) ?? [])
      .filter((ns) => reachesPrefix(acl, ns.prefix));
  }

  /** The proof for one principal. */
  prove(subject: ReachSubject): ReachProof {
    const p = subject.principal;
    const mine = this.membership.get(p) ?? [];
    const ownTenants = new Set(mine.map((ns) => ns.owner).filter((o) => this.tenantOwners.has(o)));
    const findings: Reach[] = [];
    const granted: Reach[] = [];
    const cancelled: Reach[] = [];
    let applicable = 0;
    if (!this.superUsers.includes(p)) {
      for (const cluster of [...this.byCluster.keys()].sort()) {
        if (subject.clusters && !subject.clusters.includes(cluster)) continue;
        const context = this.applicable(cluster, p);
        applicable += context.length;
        const allows = context.filter(
          (a) => a.permission === 'Allow' && (subject.allows !== 'own' || a.principal === p),
        );
        const grants = cluster === subject.cluster ? (subject.grants ?? []) : [];
        for (const acl of allows) {
          for (const ns of this.reached(acl)) {
            if (ns.members.includes(p)) continue;
            const request = witness(acl, ns, p, context);
            const applying = NAMESPACE_OPERATIONS[ns.resourceType].filter((operation) =>
              matches(acl, { ...request, operation }),
            );
            if (applying.length === 0) continue;
            const operations = applying.filter((operation) => authorize(context, { ...request, operation }).allowed);
            const beyond = operations.filter((operation) => !authorize(grants, { ...request, operation }).allowed);
            const where = `${ns.owner}'s ${ns.resourceType} namespace "${ns.prefix}"`;
            const who = p === WILDCARD ? 'every principal' : p.replace(/^User:/, '');
            if (operations.length === 0) {
              cancelled.push({
                namespace: ns,
                acl,
                operations,
                message: `${describeAcl(acl)} would reach ${where}; DENY bindings cancel it for ${who}`,
              });
            } else if (beyond.length === 0) {
              granted.push({
                namespace: ns,
                acl,
                operations,
                message: `${describeAcl(acl)} lets ${who} ${operations.join(', ')} in ${where}, as the model grants`,
              });
            } else {
              findings.push({
                namespace: ns,
                acl,
                operations: beyond,
                message: `${describeAcl(acl)} lets ${who} ${beyond.join(', ')} in ${where}`,
              });
            }
          }
        }
      }
    }
    return {
      principal: p,
      bindings: this.bindings,
      applicable,
      foreign: this.spaces.length - mine.length,
      tenants: this.tenantOwners.size - ownTenants.size,
      findings,
      granted,
      cancelled,
    };
  }
}

/**
 * The request at which the broker's decision for `acl` inside `ns` is decided for the whole overlap: the binding's
 * literal name, or a fresh name under the longer prefix that no binding of `context` names or prefixes more narrowly;
 * the binding's host, or a host no binding names.
 */
function witness(
  acl: LiveAcl,
  ns: Namespace,
  principal: string,
  context: readonly LiveAcl[],
): Omit<AclRequest, 'operation'> {
  const base = { principal, resourceType: ns.resourceType };
  const host =
    acl.host === '*' ? fresh('kafka-tenancy-witness-host', (h) => context.some((a) => a.host === h)) : acl.host;
  if (acl.patternType === 'Literal' && acl.resourceName !== '*') return { ...base, host, name: acl.resourceName };
  const prefix =
    acl.patternType === 'Prefixed' && acl.resourceName.length > ns.prefix.length ? acl.resourceName : ns.prefix;
  // A next character no binding longer than the prefix has there: then only bindings covering the whole prefix match.
  const taken = new Set(
    context
      .filter(
        (a) =>
          a.resourceType === ns.resourceType &&
          a.resourceName.length > prefix.length &&
          a.resourceName.startsWith(prefix),
      )
      .map((a) => a.resourceName[prefix.length]),
  );
  let code = 'w'.charCodeAt(0);
  while (taken.has(String.fromCharCode(code))) code++;
  return { ...base, host, name: `${prefix}${String.fromCharCode(code)}` };
}

function fresh(base: string, taken: (candidate: string) => boolean): string {
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? base : `${base}-${i}`;
    if (!taken(candidate)) return candidate;
  }
}
