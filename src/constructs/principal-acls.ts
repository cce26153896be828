import { Construct } from 'constructs';
import { Acl } from '../../gen/providers/kafka/acl';
import { ACL_POLICY, type AclBinding, toProvider } from '../acl';
import { assertRules, Rule } from './rules';

export interface PrincipalAclsProps {
  /** Bindings derived from intent by src/acl/derive.ts; each carries its own stable id. */
  readonly bindings: readonly AclBinding[];
  /**
   * An operator's bindings (`operatorAcls`): the tenant policy does not apply (they are wide by design: literal
   * `*` topics, the Cluster), the operator rule does: never data (READ, WRITE, ALL, groups, transactional ids).
   * @default false
   */
  readonly operator?: boolean;
}

/** What no operator binding may grant: any way to read or write records. */
const DATA_OPERATIONS = new Set(['Read', 'Write', 'All', 'IdempotentWrite']);

const OPERATOR_RULES: readonly Rule<PrincipalAclsProps>[] = [
  {
    check: (p) =>
      p.bindings.every(
        (b) => !DATA_OPERATIONS.has(b.operation) && (b.resourceType === 'Topic' || b.resourceType === 'Cluster'),
      ),
    message: (p) =>
      `operator-data-access: an operator never reads or writes data: ${p.bindings
        .filter((b) => DATA_OPERATIONS.has(b.operation) || (b.resourceType !== 'Topic' && b.resourceType !== 'Cluster'))
        .map((b) => b.id)
        .join(', ')}`,
  },
  {
    check: (p) => new Set(p.bindings.map((b) => b.id)).size === p.bindings.length,
    message: () => 'duplicate binding ids',
  },
];

/** Every rule of the ACL policy (src/acl/policy.ts), plus unique ids: the construct refuses what the policy forbids. */
const RULES: readonly Rule<PrincipalAclsProps>[] = [
  ...ACL_POLICY.map((rule): Rule<PrincipalAclsProps> => ({
    check: (p) => p.bindings.every((b) => rule.check(b) === undefined),
    message: (p) =>
      `${rule.code}: ${p.bindings
        .map((b) => rule.check(b))
        .filter((m): m is string => m !== undefined)
        .join('; ')} (${rule.description})`,
  })),
  {
    check: (p) => new Set(p.bindings.map((b) => b.id)).size === p.bindings.length,
    message: () => 'duplicate binding ids',
  },
];

/** The ACL bindings of one principal. Each Acl's construct id is the binding's id, built from its own fields. */
export class PrincipalAcls extends Construct {
  readonly acls: readonly Acl[];

  constructor(scope: Construct, id: string, props: PrincipalAclsProps) {
    super(scope, id);
    assertRules('PrincipalAcls', id, props, props.operator ? OPERATOR_RULES : RULES);
    this.acls = props.bindings.map((b) => new Acl(this, b.id, toProvider(b)));
  }
}
