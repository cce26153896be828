/**
 * Converters between the ACL vocabulary and the two other spellings it meets: the Mongey provider's attribute
 * values (`TransactionalID`, `resource_pattern_type_filter`) and the numeric enums of the wire protocol as kafkajs
 * returns them from DescribeAcls.
 */
import type { DescribeAclResponse } from 'kafkajs';
import type { Acl, AclBinding, LiveAcl, Unknown } from './types';

/** Resource type names as the Mongey provider spells them. */
const PROVIDER_RESOURCE_TYPE: Record<string, string> = { TransactionalId: 'TransactionalID' };
const FROM_PROVIDER_RESOURCE_TYPE: Record<string, string> = { TransactionalID: 'TransactionalId' };

/** Attributes of a `kafka_acl` resource for a binding. */
export interface ProviderAcl {
  readonly aclPrincipal: string;
  readonly aclHost: string;
  readonly aclOperation: string;
  readonly aclPermissionType: string;
  readonly resourceType: string;
  readonly resourceName: string;
  readonly resourcePatternTypeFilter: string;
}

export function toProvider(b: AclBinding): ProviderAcl {
  return {
    aclPrincipal: b.principal,
    aclHost: b.host,
    aclOperation: b.operation,
    aclPermissionType: b.permission,
    resourceType: PROVIDER_RESOURCE_TYPE[b.resourceType] ?? b.resourceType,
    resourceName: b.resourceName,
    resourcePatternTypeFilter: b.patternType,
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** A `kafka_acl` resource's values as Terraform's plan or state JSON writes them (snake_case). */
export function fromProviderValues(v: Readonly<Record<string, unknown>>): Acl {
  const resourceType = str(v.resource_type);
  return {
    principal: str(v.acl_principal),
    host: str(v.acl_host) || '*',
    operation: str(v.acl_operation) as Acl['operation'],
    permission: (str(v.acl_permission_type) || 'Allow') as Acl['permission'],
    resourceType: (FROM_PROVIDER_RESOURCE_TYPE[resourceType] ?? resourceType) as Acl['resourceType'],
    resourceName: str(v.resource_name),
    patternType: (str(v.resource_pattern_type_filter) || 'Literal') as Acl['patternType'],
  };
}

// Wire values of Kafka's AclResourceType / AclOperation / PatternType / AclPermissionType (as kafkajs'
// ResourceTypes, AclOperationTypes, ResourcePatternTypes, AclPermissionTypes number them).
const WIRE_RESOURCE_TYPES: Record<number, Acl['resourceType']> = {
  2: 'Topic',
  3: 'Group',
  4: 'Cluster',
  5: 'TransactionalId',
  6: 'DelegationToken',
  7: 'User',
};
const WIRE_OPERATIONS: Record<number, Acl['operation']> = {
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
const WIRE_PATTERN_TYPES: Record<number, Acl['patternType']> = { 3: 'Literal', 4: 'Prefixed' };
const WIRE_PERMISSIONS: Record<number, Acl['permission']> = { 2: 'Deny', 3: 'Allow' };

const word = <T>(table: Record<number, T>, n: number): T | Unknown => table[n] ?? `Unknown(${n})`;
const wire = <T>(table: Record<number, T>, w: unknown): number => {
  const e = Object.entries(table).find(([, v]) => v === w);
  if (!e) throw new Error(`internal error: no wire value for ${String(w)}`);
  return Number(e[0]);
};

/** Flatten a kafkajs `describeAcls` answer. */
export function fromDescribeAcls(cluster: string, resources: DescribeAclResponse['resources']): LiveAcl[] {
  return resources.flatMap((r) =>
    r.acls.map((a) => ({
      cluster,
      principal: a.principal,
      host: a.host,
      resourceType: word(WIRE_RESOURCE_TYPES, r.resourceType),
      patternType: word(WIRE_PATTERN_TYPES, r.resourcePatternType),
      resourceName: r.resourceName,
      operation: word(WIRE_OPERATIONS, a.operation),
      permission: word(WIRE_PERMISSIONS, a.permissionType),
    })),
  );
}

/** A binding in kafkajs' createAcls/deleteAcls form (numeric enums). */
export function toWire(a: Acl): {
  principal: string;
  host: string;
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  operation: number;
  permissionType: number;
} {
  return {
    principal: a.principal,
    host: a.host,
    resourceType: wire(WIRE_RESOURCE_TYPES, a.resourceType),
    resourceName: a.resourceName,
    resourcePatternType: wire(WIRE_PATTERN_TYPES, a.patternType),
    operation: wire(WIRE_OPERATIONS, a.operation),
    permissionType: wire(WIRE_PERMISSIONS, a.permission),
  };
}
