/**
 * The ACL vocabulary: one binding type for every place a binding appears — derived from intent, planned by
 * Terraform, described by the broker. Words are Kafka's (`Topic`, `Prefixed`, `Read`, `Allow`), as the broker's
 * `AclResourceType`, `PatternType`, `AclOperation` and `AclPermissionType` name them; converters (convert.ts) map
 * the provider's spellings and the wire's numbers to them. Nothing here depends on the tenant model.
 */
import type { SourceLocation } from '../source';

export const RESOURCE_TYPES = ['Topic', 'Group', 'Cluster', 'TransactionalId', 'DelegationToken', 'User'] as const;
export type AclResourceType = (typeof RESOURCE_TYPES)[number];

/** Stored bindings are LITERAL or PREFIXED (MATCH and ANY exist only in filters). */
export const PATTERN_TYPES = ['Literal', 'Prefixed'] as const;
export type AclPatternType = (typeof PATTERN_TYPES)[number];

export const OPERATIONS = [
  'All',
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'DescribeConfigs',
  'AlterConfigs',
  'IdempotentWrite',
  'CreateTokens',
  'DescribeTokens',
] as const;
export type AclOperation = (typeof OPERATIONS)[number];

export type AclPermission = 'Allow' | 'Deny';

/** A value the broker sent that this version does not know, kept so that it is reported rather than dropped. */
export type Unknown = `Unknown(${string})`;

/** Any binding, wherever it comes from. */
export interface Acl {
  /** `User:acme.billing`, or `User:*`. */
  readonly principal: string;
  /** `*` or one client address. */
  readonly host: string;
  readonly resourceType: AclResourceType | Unknown;
  readonly patternType: AclPatternType | Unknown;
  /** A name, a prefix, or `*` (LITERAL `*` is Kafka's wildcard: every resource of the type). */
  readonly resourceName: string;
  readonly operation: AclOperation | Unknown;
  readonly permission: AclPermission | Unknown;
}

/** A binding as the broker holds it, with the cluster it was read from. */
export interface LiveAcl extends Acl {
  readonly cluster: string;
}

/**
 * One binding derived from a tenant's (or the environment's) intent: always ALLOW from any host, with the reason
 * it exists, the intent entries that caused it and a stable id.
 */
export interface AclBinding extends Acl {
  readonly host: '*';
  readonly resourceType: 'Topic' | 'Group' | 'TransactionalId' | 'Cluster';
  readonly patternType: AclPatternType;
  readonly operation: AclOperation;
  readonly permission: 'Allow';
  /** Why this binding exists, in words a reviewer understands. */
  readonly reason: string;
  /** The declarations that caused it (`applications[0].produces[1]` of `tenants/acme.yaml`, line and column). */
  readonly sources: readonly SourceLocation[];
  /** Stable construct id built from the binding's own fields (never list positions). */
  readonly id: string;
}

/** The fields of a binding that identify it (everything except the id, the reason and the sources). */
export type AclBindingKey = Pick<
  AclBinding,
  'principal' | 'resourceType' | 'patternType' | 'resourceName' | 'operation'
>;
