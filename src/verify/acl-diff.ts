/**
 * Live ACLs (as the admin sees them) against the model: which bindings are missing, which are extra, which break
 * the platform's hygiene rules (wildcard principal, prefix without separator, literal `*`, cluster grants), and
 * which let someone outside a namespace reach into it. Pure functions; the conformance checks feed them.
 */
import {
  type AclBinding,
  type AclPolicyCode,
  type LiveAcl,
  WIDENING_RULES,
  aclPolicyFindings,
  describeAcl as describeBinding,
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
    out.push({
      owner: t.id,
      resourceType: 'Topic',
      prefix: t.topicPrefix,
      allowed: [...new Set([...allowed, ...granted])],
    });
    out.push({ owner: t.id, resourceType: 'Group', prefix: t.groupPrefix, allowed });
    out.push({ owner: t.id, resourceType: 'TransactionalId', prefix: t.transactionalIdPrefix, allowed });
  }
  out.push({
    owner: 'platform',
    resourceType: 'Topic',
    prefix: SHARED_TOPIC_PREFIX,
    allowed: everyone
      .filter((p) => p.acls.some((b) => b.resourceType === 'Topic' && b.resourceName.startsWith(SHARED_TOPIC_PREFIX)))
      .map((p) => p.principal),
  });
  for (const c of model.platform.consumers) {
    for (const b of c.acls.filter((x) => x.resourceType === 'Group')) {
      out.push({ owner: 'platform', resourceType: 'Group', prefix: b.resourceName, allowed: [c.principal] });
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
