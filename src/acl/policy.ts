/**
 * The one table of what a binding must never be on a tenant platform. Constructs refuse to synthesize a binding
 * that breaks a rule, plan review flags a planned one, verify flags a live one (super users exempt) — each picks
 * the rules it applies by code, never by message text.
 */
import { SEPARATOR } from '../naming';
import type { Acl } from './types';

export type AclPolicyCode =
  | 'wildcard-principal'
  | 'not-a-user'
  | 'cluster-grant'
  | 'wildcard-resource'
  | 'prefix-without-separator'
  | 'deny-binding'
  | 'host-restricted';

export interface AclPolicyRule {
  readonly code: AclPolicyCode;
  /** What the rule protects, for `--rules` listings and docs. */
  readonly description: string;
  /** Undefined when the binding is fine; otherwise why it is not. */
  readonly check: (a: Acl) => string | undefined;
}

export const ACL_POLICY: readonly AclPolicyRule[] = [
  {
    code: 'wildcard-principal',
    description: 'an ALLOW for User:* grants every authenticated user, every tenant included',
    check: (a) => (a.principal.includes('*') ? `principal ${a.principal} is every authenticated user` : undefined),
  },
  {
    code: 'not-a-user',
    description: 'principals are single SCRAM users (User:<name>)',
    check: (a) =>
      !a.principal.includes('*') && !/^User:[^*]+$/.test(a.principal)
        ? `principal ${a.principal} is not a single user`
        : undefined,
  },
  {
    code: 'cluster-grant',
    description:
      "tenants never get Cluster grants (DESCRIBE lists every principal's ACLs; ALTER_CONFIGS reconfigures brokers)",
    check: (a) => (a.resourceType === 'Cluster' ? 'grants on the Cluster are never given to tenants' : undefined),
  },
  {
    code: 'wildcard-resource',
    description: 'a LITERAL "*" matches every topic, group or transactional id',
    check: (a) =>
      a.resourceType !== 'Cluster' && (a.resourceName === '*' || a.resourceName === '')
        ? `resource "${a.resourceName}" matches every ${a.resourceType}`
        : undefined,
  },
  {
    code: 'prefix-without-separator',
    description: `a PREFIXED name must end with "${SEPARATOR}", so "acme" cannot match "acme-eu."`,
    check: (a) =>
      a.patternType === 'Prefixed' && !a.resourceName.endsWith(SEPARATOR)
        ? `prefix "${a.resourceName}" does not end with "${SEPARATOR}" and would over-match`
        : undefined,
  },
  {
    code: 'deny-binding',
    description: 'derived bindings are ALLOW only (isolation comes from not granting, not from DENY)',
    check: (a) => (a.permission !== 'Allow' ? 'only ALLOW bindings are derived' : undefined),
  },
  {
    code: 'host-restricted',
    description: 'derived bindings apply from any host (a host-bound grant breaks when a client moves)',
    check: (a) => (a.host !== '*' ? `bound to host ${a.host}` : undefined),
  },
];

export interface AclPolicyFinding {
  readonly code: AclPolicyCode;
  readonly message: string;
}

/** The rules a binding breaks, optionally only those in `codes`. Empty when it is fine. */
export function aclPolicyFindings(a: Acl, codes?: readonly AclPolicyCode[]): AclPolicyFinding[] {
  const out: AclPolicyFinding[] = [];
  for (const rule of ACL_POLICY) {
    if (codes && !codes.includes(rule.code)) continue;
    const message = rule.check(a);
    if (message) out.push({ code: rule.code, message });
  }
  return out;
}

/** The rules that matter for an ALLOW someone else added (plan review of foreign bindings, verify hygiene). */
export const WIDENING_RULES: readonly AclPolicyCode[] = [
  'wildcard-principal',
  'not-a-user',
  'cluster-grant',
  'wildcard-resource',
  'prefix-without-separator',
];
