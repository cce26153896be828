/**
 * The one matcher: does a binding apply to a request, and what does the broker decide — with the semantics of
 * Kafka's StandardAuthorizer (KIP-801), so that plan review, verify, decommission and `explain` give the broker's
 * answer without asking it. A property test checks this against a live StandardAuthorizer.
 *
 * - LITERAL matches the exact name; LITERAL `*` matches every name of the type; PREFIXED matches names starting
 *   with the prefix (no globbing: `*` inside a name is an ordinary character).
 * - The principal matches itself and `User:*`; the host matches itself and `*`.
 * - The operation matches itself and `All`; an ALLOW for Read, Write, Delete or Alter implies Describe, an ALLOW
 *   for AlterConfigs implies DescribeConfigs (DENY implies nothing but itself; DENY All denies everything).
 * - A matching DENY wins over any ALLOW; no matching ALLOW means denied (`allow.everyone.if.no.acl.found=false`).
 *   Super users are decided before ACLs and are not modelled here.
 */
import type { Acl, AclOperation, AclResourceType } from './types';

export interface AclRequest {
  readonly principal: string;
  readonly host: string;
  readonly resourceType: AclResourceType;
  readonly name: string;
  readonly operation: AclOperation;
}

const IMPLIES: Partial<Record<AclOperation, readonly AclOperation[]>> = {
  Describe: ['Read', 'Write', 'Delete', 'Alter'],
  DescribeConfigs: ['AlterConfigs'],
};

/** Does the binding's resource pattern match `name` of `resourceType`? */
export function matchesResource(
  a: Pick<Acl, 'resourceType' | 'patternType' | 'resourceName'>,
  resourceType: string,
  name: string,
): boolean {
  if (a.resourceType !== resourceType) return false;
  if (a.patternType === 'Literal') return a.resourceName === '*' || a.resourceName === name;
  if (a.patternType === 'Prefixed') return name.startsWith(a.resourceName);
  return false;
}

/** Does the binding apply to this request (principal, host, resource and operation, implications included)? */
export function matches(a: Acl, r: AclRequest): boolean {
  if (a.principal !== r.principal && a.principal !== 'User:*') return false;
  if (a.host !== '*' && a.host !== r.host) return false;
  if (!matchesResource(a, r.resourceType, r.name)) return false;
  if (a.operation === 'All' || a.operation === r.operation) return true;
  return a.permission === 'Allow' && (IMPLIES[r.operation] ?? []).includes(a.operation as AclOperation);
}

/** The broker's decision for a request from these bindings, and the bindings that decided it. */
export function authorize(acls: readonly Acl[], r: AclRequest): { allowed: boolean; by: readonly Acl[] } {
  const applying = acls.filter((a) => matches(a, r));
  const denies = applying.filter((a) => a.permission === 'Deny');
  if (denies.length) return { allowed: false, by: denies };
  const allows = applying.filter((a) => a.permission === 'Allow');
  return { allowed: allows.length > 0, by: allows };
}

/**
 * Does binding `a` grant (or deny) everything `b` does: same principal, type and permission; `a`'s operation,
 * host and pattern at least as wide.
 */
export function covers(a: Acl, b: Acl): boolean {
  if (a.principal !== b.principal || a.resourceType !== b.resourceType || a.permission !== b.permission) return false;
  if (a.operation !== b.operation && a.operation !== 'All') return false;
  if (a.host !== '*' && a.host !== b.host) return false;
  if (a.patternType === 'Literal' && a.resourceName === '*') return true;
  if (a.patternType === 'Prefixed') return b.resourceName.startsWith(a.resourceName);
  return b.patternType === 'Literal' && a.resourceName === b.resourceName;
}

/** Can the binding's pattern match some resource whose name starts with `prefix` (a namespace)? */
export function reachesPrefix(a: Pick<Acl, 'patternType' | 'resourceName'>, prefix: string): boolean {
  if (a.patternType === 'Literal') return a.resourceName === '*' || a.resourceName.startsWith(prefix);
  if (a.patternType === 'Prefixed') return prefix.startsWith(a.resourceName) || a.resourceName.startsWith(prefix);
  return false;
}
