import { Testing, TerraformStack } from 'cdktf';
import { TenantTopic } from '../../../src/constructs/tenant-topic';
import { ScramPrincipal } from '../../../src/constructs/scram-principal';
import { PrincipalAcls } from '../../../src/constructs/principal-acls';
import { PrincipalQuota } from '../../../src/constructs/principal-quota';
import { TenantPrincipal } from '../../../src/constructs/tenant-principal';
import type { AclBinding, TopicModel } from '../../../src/model/types';

type Synth = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  variable?: Record<string, Record<string, unknown>>;
};

function synth(build: (stack: TerraformStack) => void): Synth {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  build(stack);
  return JSON.parse(Testing.synth(stack)) as Synth;
}

const only = (s: Synth, type: string) => Object.values(s.resource[type] ?? {});

const topic: TopicModel = {
  name: 'acme.orders',
  logicalName: 'orders',
  partitions: 6,
  replicationFactor: 1,
  config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
  allowDataLoss: false,
  source: { file: 'tenants/acme.yaml', line: 11, col: 5, path: 'topics[0]' },
};

const binding = (over: Partial<AclBinding> = {}): AclBinding => ({
  principal: 'User:acme.billing',
  host: '*',
  resourceType: 'Topic',
  patternType: 'Prefixed',
  resourceName: 'acme.',
  operation: 'Read',
  permission: 'Allow',
  reason: 'test',
  sources: [],
  id: `acl-${over.operation ?? 'Read'}-${over.resourceType ?? 'Topic'}`.toLowerCase(),
  ...over,
});

describe('TenantTopic', () => {
  it('creates the topic with name, partitions, replication factor and configs from the model', () => {
    const [t] = only(
      synth((s) => new TenantTopic(s, topic.name, { topic })),
      'kafka_topic',
    );
    expect(t).toMatchObject({
      name: 'acme.orders',
      partitions: 6,
      replication_factor: 1,
      config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
    });
  });

  it('protects the topic from destruction by default', () => {
    const [t] = only(
      synth((s) => new TenantTopic(s, topic.name, { topic })),
      'kafka_topic',
    );
    expect(t.lifecycle).toEqual({ prevent_destroy: true });
  });

  it('drops the protection only when asked', () => {
    const [t] = only(
      synth((s) => new TenantTopic(s, topic.name, { topic, preventDestroy: false })),
      'kafka_topic',
    );
    expect(t.lifecycle).toEqual({ prevent_destroy: false });
  });

  it('lists every problem with an invalid topic at once', () => {
    expect(() =>
      synth((s) => new TenantTopic(s, 'bad', { topic: { ...topic, name: 'bad name!', partitions: 0 } })),
    ).toThrow(/2 problem\(s\)[\s\S]*illegal topic name[\s\S]*partitions must be at least 1/);
  });
});

describe('ScramPrincipal', () => {
  const s = synth((st) => new ScramPrincipal(st, 'p', { username: 'acme.billing' }));

  it('creates a SCRAM-SHA-512 credential for the username', () => {
    const [c] = only(s, 'kafka_user_scram_credential');
    expect(c).toMatchObject({ username: 'acme.billing', scram_mechanism: 'SCRAM-SHA-512' });
  });

  it('feeds the write-only password from a sensitive variable, never a literal', () => {
    const [c] = only(s, 'kafka_user_scram_credential');
    expect(c.password).toBeUndefined();
    expect(c.password_wo).toBe('${var.scram_password_acme__billing}');
    expect(s.variable?.scram_password_acme__billing).toMatchObject({ sensitive: true, type: 'string' });
  });

  it('versions the password so a rotation is a reviewable change', () => {
    const [c] = only(s, 'kafka_user_scram_credential');
    expect(c.password_wo_version).toBe('${var.scram_password_acme__billing_version}');
    expect(s.variable?.scram_password_acme__billing_version).toMatchObject({ default: '1' });
  });
});

describe('PrincipalAcls', () => {
  it('creates one ALLOW acl per binding, field by field', () => {
    const s = synth(
      (st) =>
        new PrincipalAcls(st, 'acls', { bindings: [binding({ resourceType: 'TransactionalId', operation: 'Write' })] }),
    );
    const [acl] = only(s, 'kafka_acl');
    expect(acl).toMatchObject({
      acl_principal: 'User:acme.billing',
      acl_host: '*',
      acl_operation: 'Write',
      acl_permission_type: 'Allow',
      resource_type: 'TransactionalID',
      resource_name: 'acme.',
      resource_pattern_type_filter: 'Prefixed',
    });
  });

  it('derives resource names in the plan from binding ids, so reordering bindings changes nothing', () => {
    const a = binding({ operation: 'Read' });
    const b = binding({ operation: 'Describe' });
    const keys = (bs: AclBinding[]) =>
      Object.keys(synth((st) => new PrincipalAcls(st, 'acls', { bindings: bs })).resource.kafka_acl).sort();
    expect(keys([a, b])).toEqual(keys([b, a]));
  });

  it.each([
    [
      'a wildcard principal',
      binding({ principal: 'User:*' }),
      /wildcard-principal: principal User:\* is every authenticated user/,
    ],
    [
      'a prefix without the separator',
      binding({ resourceName: 'acme' }),
      /prefix-without-separator: prefix "acme" does not end with "\."/,
    ],
    [
      'a literal "*" group',
      binding({ resourceType: 'Group', patternType: 'Literal', resourceName: '*' }),
      /wildcard-resource: resource "\*" matches every Group/,
    ],
    [
      'a cluster grant',
      binding({ resourceType: 'Cluster', patternType: 'Literal', resourceName: 'kafka-cluster' }),
      /cluster-grant: grants on the Cluster are never given to tenants/,
    ],
  ])('refuses %s', (_name, bad, message) => {
    expect(() => synth((st) => new PrincipalAcls(st, 'acls', { bindings: [bad] }))).toThrow(message);
  });
});

describe('PrincipalQuota', () => {
  it('sets producer, consumer and request quotas on the user entity', () => {
    const s = synth(
      (st) =>
        new PrincipalQuota(st, 'q', {
          username: 'acme.billing',
          quota: { producerByteRate: 1048576, consumerByteRate: 2097152, requestPercentage: 50 },
        }),
    );
    const [q] = only(s, 'kafka_quota');
    expect(q).toEqual({
      entity_type: 'user',
      entity_name: 'acme.billing',
      config: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152, request_percentage: 50 },
    });
  });

  it('refuses a zero quota', () => {
    expect(() =>
      synth(
        (st) =>
          new PrincipalQuota(st, 'q', {
            username: 'a.b',
            quota: { producerByteRate: 0, consumerByteRate: 1, requestPercentage: 1 },
          }),
      ),
    ).toThrow(/producerByteRate must be positive/);
  });
});

describe('TenantPrincipal', () => {
  const s = synth(
    (st) =>
      new TenantPrincipal(st, 'acme.billing', {
        principal: {
          app: 'billing',
          username: 'acme.billing',
          principal: 'User:acme.billing',
          secretName: 'scram/acme.billing',
          produces: [],
          consumes: ['orders'],
          groups: ['acme.billing'],
          transactionalIds: [],
          quota: { producerByteRate: 1048576, consumerByteRate: 2097152, requestPercentage: 50 },
          acls: [binding({ operation: 'Read' }), binding({ operation: 'Describe' })],
          source: { file: 'tenants/acme.yaml', line: 26, col: 5, path: 'applications[1]' },
        },
      }),
  );
  const [quotaKey] = Object.keys(s.resource.kafka_quota);
  const [credKey] = Object.keys(s.resource.kafka_user_scram_credential);

  it('creates the quota before the credential, so the principal is never authenticated and unthrottled', () => {
    expect(s.resource.kafka_user_scram_credential[credKey].depends_on).toEqual([`kafka_quota.${quotaKey}`]);
  });

  it('creates ACLs after the credential, so teardown removes access first', () => {
    for (const acl of only(s, 'kafka_acl')) {
      expect(acl.depends_on).toEqual([`kafka_user_scram_credential.${credKey}`]);
    }
  });
});
