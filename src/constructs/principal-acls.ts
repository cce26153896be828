import { Construct } from 'constructs';
import { Acl } from '../../gen/providers/kafka/acl';
import type { AclBinding } from '../model/types';
import { assertRules, Rule } from './rules';

export interface PrincipalAclsProps {
  /** Bindings derived from intent by src/model/acl.ts; each carries its own stable id. */
  readonly bindings: readonly AclBinding[];
  /** Separator that every PREFIXED resource name must end with. @default "." */
  readonly separator?: string;
}

/** Kafka resource type names as the Mongey provider spells them. */
const PROVIDER_RESOURCE_TYPE: Record<AclBinding['resourceType'], string> = {
  Topic: 'Topic',
  Group: 'Group',
  TransactionalId: 'TransactionalID',
  Cluster: 'Cluster',
};

const sep = (p: PrincipalAclsProps) => p.separator ?? '.';
const RULES: readonly Rule<PrincipalAclsProps>[] = [
  {
    check: (p) => p.bindings.every((b) => /^User:[^*]+$/.test(b.principal)),
    message: (p) =>
      `wildcard or malformed principal: ${p.bindings
        .filter((b) => !/^User:[^*]+$/.test(b.principal))
        .map((b) => b.principal)
        .join(', ')}`,
  },
  {
    check: (p) => p.bindings.every((b) => b.resourceType !== 'Cluster'),
    message: () => "tenants never get cluster-level grants (DESCRIBE on the cluster lists every principal's ACLs)",
  },
  {
    check: (p) => p.bindings.every((b) => !b.resourceName.includes('*')),
    message: () => 'resource names may not contain "*" (literal "*" matches every resource)',
  },
  {
    check: (p) => p.bindings.every((b) => b.patternType !== 'Prefixed' || b.resourceName.endsWith(sep(p))),
    message: (p) =>
      `PREFIXED names must end with "${sep(p)}" so "acme" cannot match "acme-eu": ` +
      p.bindings
        .filter((b) => b.patternType === 'Prefixed' && !b.resourceName.endsWith(sep(p)))
        .map((b) => b.resourceName)
        .join(', '),
  },
  {
    check: (p) => new Set(p.bindings.map((b) => b.id)).size === p.bindings.length,
    message: () => 'duplicate binding ids',
  },
  {
    check: (p) => p.bindings.every((b) => b.permission === 'Allow' && b.host === '*'),
    message: () => 'bindings must be ALLOW from any host',
  },
];

/** The ACL bindings of one principal. Each Acl's construct id is the binding's id, built from its own fields. */
export class PrincipalAcls extends Construct {
  readonly acls: readonly Acl[];

  constructor(scope: Construct, id: string, props: PrincipalAclsProps) {
    super(scope, id);
    assertRules('PrincipalAcls', id, props, RULES);
    this.acls = props.bindings.map(
      (b) =>
        new Acl(this, b.id, {
          aclPrincipal: b.principal,
          aclHost: b.host,
          aclOperation: b.operation,
          aclPermissionType: b.permission,
          resourceType: PROVIDER_RESOURCE_TYPE[b.resourceType],
          resourceName: b.resourceName,
          resourcePatternTypeFilter: b.patternType,
        }),
    );
  }
}
