/**
 * Live ACLs (as the admin sees them) against the model: which bindings are missing, which are extra, which break
 * the platform's hygiene rules (wildcard principal, prefix without separator, literal `*`, cluster grants), and
 * which let someone outside a namespace reach into it. Pure functions; the conformance checks feed them.
 */
import type { DescribeAclResponse } from 'kafkajs';
import { SEPARATOR, SHARED_TOPIC_PREFIX } from '../naming';
import type { AclBinding, Model } from '../model/types';

/** One live binding, with kafkajs' numeric enums turned into the model's words. */
export interface LiveAcl {
  readonly cluster: string;
  readonly principal: string;
  readonly host: string;
  /** `Topic`, `Group`, `TransactionalId`, `Cluster`, `DelegationToken`, `User`, or `Unknown(<n>)`. */
  readonly resourceType: string;
  /** `Literal` or `Prefixed` (stored bindings never have another pattern type). */
  readonly patternType: string;
  readonly resourceName: string;
  /** `Read`, `Write`, `Describe`, … as in the model (`AclOperation`), or `Unknown(<n>)`. */
  readonly operation: string;
  /** `Allow` or `Deny`. */
  readonly permission: string;
}

// Numeric values of Kafka's AclResourceType / AclOperation / PatternType / AclPermissionType (the wire values, as
// in kafkajs' ResourceTypes, AclOperationTypes, ResourcePatternTypes, AclPermissionTypes).
const RESOURCE_TYPES: Record<number, string> = {
  2: 'Topic',
  3: 'Group',
  4: 'Cluster',
  5: 'TransactionalId',
  6: 'DelegationToken',
  7: 'User',
};
const OPERATIONS: Record<number, string> = {
  2: 'All',
  3: 'Read',
  4: 'Write',
  5: 'Create',
  6: 'Delete',
  7: 'Alter',
  8: 'Describe',
  9: 'ClusterAction',
  10: 'DescribeConfigs',
  11: 'AlterConfigs',
  12: 'IdempotentWrite',
  13: 'CreateTokens',
  14: 'DescribeTokens',
};
const PATTERN_TYPES: Record<number, string> = { 3: 'Literal', 4: 'Prefixed' };
const PERMISSIONS: Record<number, string> = { 2: 'Deny', 3: 'Allow' };

const word = (table: Record<number, string>, n: number) => table[n] ?? `Unknown(${n})`;

/** Flatten a kafkajs `describeAcls` answer. */
export function fromDescribeAcls(cluster: string, resources: DescribeAclResponse['resources']): LiveAcl[] {
  return resources.flatMap((r) =>
    r.acls.map((a) => ({
      cluster,
      principal: a.principal,
      host: a.host,
      resourceType: word(RESOURCE_TYPES, r.resourceType),
      patternType: word(PATTERN_TYPES, r.resourcePatternType),
      resourceName: r.resourceName,
      operation: word(OPERATIONS, a.operation),
      permission: word(PERMISSIONS, a.permissionType),
    })),
  );
}

/** `ALLOW User:acme.billing READ Topic PREFIXED "acme." @shared` — how findings name a binding. */
export function describeAcl(a: LiveAcl): string {
  const host = a.host === '*' ? '' : ` from host ${a.host}`;
  return `${a.permission.toUpperCase()} ${a.principal} ${a.operation.toUpperCase()} ${a.resourceType} ${a.patternType.toUpperCase()} "${a.resourceName}"${host} @${a.cluster}`;
}

function sameBinding(expected: AclBinding, live: LiveAcl): boolean {
  return (
    live.principal === expected.principal &&
    live.host === expected.host &&
    live.resourceType === expected.resourceType &&
    live.patternType === expected.patternType &&
    live.resourceName === expected.resourceName &&
    live.operation === expected.operation &&
    live.permission === expected.permission
  );
}

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

export type HygieneRule = 'wildcard-principal' | 'prefix-without-separator' | 'wildcard-resource' | 'cluster-grant';

export interface HygieneFinding {
  readonly rule: HygieneRule;
  readonly acl: LiveAcl;
  readonly message: string;
}

/**
 * Bindings no tenant platform should ever have, whoever they are for: an ALLOW for a wildcard principal, a
 * PREFIXED pattern that does not end with the separator (`acme` also matches `acme-eu.`), a literal `*` topic,
 * group or transactional id (the JulieOps "consumer without a group" mistake), and any grant on the Cluster
 * (DESCRIBE lists every principal's ACLs; ALTER_CONFIGS reconfigures brokers). Super users are exempt.
 */
export function hygieneFindings(live: readonly LiveAcl[], superUsers: readonly string[]): HygieneFinding[] {
  const out: HygieneFinding[] = [];
  for (const acl of live) {
    if (acl.permission !== 'Allow' || superUsers.includes(acl.principal)) continue;
    const at = describeAcl(acl);
    if (acl.principal.includes('*')) {
      out.push({ rule: 'wildcard-principal', acl, message: `${at}: grants every authenticated user` });
    }
    if (acl.patternType === 'Prefixed' && !acl.resourceName.endsWith(SEPARATOR)) {
      out.push({
        rule: 'prefix-without-separator',
        acl,
        message: `${at}: prefix does not end with "${SEPARATOR}", so it also matches other namespaces that start the same way`,
      });
    }
    if (acl.patternType === 'Literal' && acl.resourceName === '*' && acl.resourceType !== 'Cluster') {
      out.push({ rule: 'wildcard-resource', acl, message: `${at}: literal "*" matches every ${acl.resourceType}` });
    }
    if (acl.resourceType === 'Cluster') {
      out.push({ rule: 'cluster-grant', acl, message: `${at}: cluster grants are never given to tenants` });
    }
  }
  return out;
}

/** Can this binding's pattern match some resource whose name starts with `prefix`? */
export function reachesPrefix(acl: Pick<LiveAcl, 'patternType' | 'resourceName'>, prefix: string): boolean {
  if (acl.patternType === 'Literal') return acl.resourceName === '*' || acl.resourceName.startsWith(prefix);
  if (acl.patternType === 'Prefixed') return prefix.startsWith(acl.resourceName) || acl.resourceName.startsWith(prefix);
  return false;
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
  for (const t of model.tenants) {
    const allowed = t.principals.map((p) => p.principal);
    out.push({ owner: t.id, resourceType: 'Topic', prefix: t.topicPrefix, allowed });
    out.push({ owner: t.id, resourceType: 'Group', prefix: t.groupPrefix, allowed });
    out.push({ owner: t.id, resourceType: 'TransactionalId', prefix: t.transactionalIdPrefix, allowed });
  }
  const everyone = [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers];
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
