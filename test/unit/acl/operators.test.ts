/**
 * The operator principals' bindings, decided with Kafka's own authorization semantics (src/acl/match.ts): the
 * deployer can make every call the Mongey provider makes and the planner every read a refreshing plan makes, and
 * neither can read or write a record, join a group or use a transactional id — on any topic, tenant or shared.
 */
import { type AclOperation, type AclResourceType, authorize, CLUSTER_RESOURCE, operatorAcls } from '../../../src/acl';

const can = (
  user: string,
  role: 'deployer' | 'planner',
  resourceType: AclResourceType,
  name: string,
  op: AclOperation,
) =>
  authorize(operatorAcls(user, role), {
    principal: `User:${user}`,
    host: '10.0.0.7',
    resourceType,
    name,
    operation: op,
  }).allowed;

const TOPICS = ['acme.orders', 'shared.orders.placed', 'bigshop.premium.orders.placed', '__consumer_offsets'];

describe('operatorAcls', () => {
  it('gives the deployer exactly the provider calls: topic create/delete/alter/configs, cluster ACLs/SCRAM/quotas', () => {
    const d = (t: AclResourceType, n: string, op: AclOperation) => can('platform-deployer', 'deployer', t, n, op);
    for (const topic of TOPICS) {
      for (const op of ['Create', 'Delete', 'Alter', 'AlterConfigs', 'Describe', 'DescribeConfigs'] as const) {
        expect([topic, op, d('Topic', topic, op)]).toEqual([topic, op, true]);
      }
    }
    for (const op of ['Alter', 'AlterConfigs', 'Describe', 'DescribeConfigs'] as const) {
      expect([op, d('Cluster', CLUSTER_RESOURCE, op)]).toEqual([op, true]);
    }
    expect(operatorAcls('platform-deployer', 'deployer')).toHaveLength(6);
  });

  it('gives the planner reads of metadata and configs only', () => {
    const p = (t: AclResourceType, n: string, op: AclOperation) => can('platform-planner', 'planner', t, n, op);
    for (const topic of TOPICS) {
      expect([p('Topic', topic, 'Describe'), p('Topic', topic, 'DescribeConfigs')]).toEqual([true, true]);
      for (const op of ['Create', 'Delete', 'Alter', 'AlterConfigs'] as const)
        expect([topic, op, p('Topic', topic, op)]).toEqual([topic, op, false]);
    }
    expect([p('Cluster', CLUSTER_RESOURCE, 'Describe'), p('Cluster', CLUSTER_RESOURCE, 'DescribeConfigs')]).toEqual([
      true,
      true,
    ]);
    for (const op of ['Alter', 'AlterConfigs', 'ClusterAction', 'Create'] as const)
      expect([op, p('Cluster', CLUSTER_RESOURCE, op)]).toEqual([op, false]);
  });

  it('never lets either read or write data, join a group or use a transactional id', () => {
    for (const [user, role] of [
      ['platform-deployer', 'deployer'],
      ['platform-planner', 'planner'],
    ] as const) {
      for (const topic of TOPICS) {
        expect([
          user,
          topic,
          can(user, role, 'Topic', topic, 'Read'),
          can(user, role, 'Topic', topic, 'Write'),
        ]).toEqual([user, topic, false, false]);
      }
      expect(can(user, role, 'Group', 'acme.app', 'Read')).toBe(false);
      expect(can(user, role, 'TransactionalId', 'acme.tx', 'Write')).toBe(false);
      expect(can(user, role, 'Cluster', CLUSTER_RESOURCE, 'IdempotentWrite')).toBe(false);
      for (const b of operatorAcls(user, role)) {
        expect(b.reason.length).toBeGreaterThan(10); // every binding says why it exists
        expect(['Topic', 'Cluster']).toContain(b.resourceType);
      }
    }
  });

  it('grants nothing to anyone else', () => {
    const req = { principal: 'User:acme.app', host: '*', resourceType: 'Topic' as const, name: 'acme.orders' };
    expect(authorize(operatorAcls('platform-deployer', 'deployer'), { ...req, operation: 'Create' }).allowed).toBe(
      false,
    );
  });
});
