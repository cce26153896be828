import { createHash } from 'node:crypto';
import type { Acl, AclBinding, AclBindingKey } from './types';

/**
 * Stable construct id of an ACL binding, built from its own fields, never from list positions: reordering a
 * tenant file must give an empty plan (every ACL change is destroy + create in the Mongey provider).
 *
 * A readable slug (`[a-z0-9_-]`, safe as a construct id and a Terraform resource name) plus a short hash of
 * the exact fields, because slugging is lossy (`.`, `:` and `_` all become `_`).
 */
export function aclId(b: AclBindingKey): string {
  const exact = [b.principal, b.resourceType, b.patternType, b.resourceName, b.operation].join('\n');
  const hash = createHash('sha256').update(exact).digest('hex').slice(0, 8);
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '_');
  const user = b.principal.replace(/^User:/, '');
  return [
    'acl',
    slug(user),
    slug(b.resourceType),
    slug(b.patternType),
    slug(b.resourceName),
    slug(b.operation),
    hash,
  ].join('-');
}

/** Every field of a binding that the broker compares, as one key (equal keys = the same stored binding). */
export function aclKey(a: Acl): string {
  return [a.principal, a.host, a.resourceType, a.patternType, a.resourceName, a.operation, a.permission].join('\n');
}

export function sameAcl(a: Acl, b: Acl): boolean {
  return aclKey(a) === aclKey(b);
}

/** Deterministic order (code points, not locale): principal, resource type, resource name, operation. */
export function compareBindings(a: Acl, b: Acl): number {
  const key = (x: Acl) => [x.principal, x.resourceType, x.resourceName, x.operation, x.permission, x.host].join('\n');
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export type { AclBinding };
