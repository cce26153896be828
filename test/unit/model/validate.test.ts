import { sortProblems } from '../../../src/errors';
import type { ParsedTenant } from '../../../src/model/load';
import { RULES, validateTenants } from '../../../src/model/validate';
import { HEADER, tenant, testEnv } from './helpers';

const env = testEnv();

/** A valid tenant of the given tier with `extra` YAML appended (later keys are written only once). */
function make(id: string, tier: string, body: string, head = ''): ParsedTenant {
  const classification = /classification:/.test(head) ? '' : 'classification: internal\n';
  return tenant(`id: ${id}\n${HEADER}\ntier: ${tier}\n${classification}${head}${body}`);
}

const ownTopics = `topics:
  - name: orders
applications:
  - name: api
    produces: [orders]
`;
const sharedWriter = `applications:
  - name: api
    produces: [orders.placed]
`;

/** [file, path, code] of every problem, for focused assertions. */
const found = (...tenants: ParsedTenant[]) => validateTenants(env, tenants).map((p) => [p.file, p.path, p.code]);
const codes = (...tenants: ParsedTenant[]) => validateTenants(env, tenants).map((p) => p.code);

describe('validateTenants', () => {
  it('accepts a valid fleet across all three tiers', () => {
    expect(
      found(
        make('acme', 'topic-per-tenant', ownTopics),
        make(
          'bigshop',
          'shared',
          `${sharedWriter}dedicatedPartitions: [{ topic: orders.placed, partitions: [0, 1] }]\n`,
        ),
        make('medi', 'shared', sharedWriter, 'classification: pii\nencryption: true\n'),
        make('bank', 'dedicated', ownTopics, 'classification: regulated\ncluster: dedicated\n'),
      ),
    ).toEqual([]);
  });

  it('has one rule per code, each described', () => {
    expect(new Set(RULES.map((r) => r.code)).size).toBe(RULES.length);
    for (const r of RULES) expect(r.describe.length).toBeGreaterThan(10);
  });

  it('runs every rule and returns every problem at once, sorted', () => {
    const problems = validateTenants(env, [
      make('zeta', 'shared', sharedWriter, 'classification: pii\n'),
      make('acme', 'topic-per-tenant', `${ownTopics}    consumes: [orders]\n`, 'classification: regulated\n'),
    ]);
    expect(problems.map((p) => p.code).sort()).toEqual([
      'consumer_without_group',
      'pii_unencrypted',
      'regulated_not_dedicated',
    ]);
    expect(problems).toEqual(sortProblems(problems));
  });

  it('writes every message lowercase, saying what was received', () => {
    const problems = validateTenants(env, [
      make(
        'acme',
        'shared',
        `topics: [{ name: x }]\napplications: [{ name: api, produces: [nope], consumes: [x], groups: [g] }]\n`,
      ),
      make('bank', 'dedicated', ownTopics, 'classification: regulated\ncluster: shared\n'),
    ]);
    expect(problems.length).toBeGreaterThan(3);
    for (const p of problems) expect(p.message.charAt(0)).toBe(p.message.charAt(0).toLowerCase());
  });

  describe('ids', () => {
    it('fails if two files declare the same tenant id, pointing at both', () => {
      const a = make('acme', 'topic-per-tenant', ownTopics);
      const b = { ...a, file: 'tenants/acme-copy.yaml' };
      expect(found(a, b)).toEqual([
        ['tenants/acme-copy.yaml', 'id', 'duplicate_id'],
        ['tenants/acme.yaml', 'id', 'duplicate_id'],
      ]);
    });

    it.each(['shared', 'platform', 'admin', 'controller'])('fails if a tenant takes the reserved id %s', (id) => {
      expect(codes(make(id, 'topic-per-tenant', ''))).toEqual(['reserved_id']);
    });
  });

  describe('tiers and clusters', () => {
    it('fails on a cluster the environment does not declare', () => {
      expect(found(make('acme', 'topic-per-tenant', '', 'cluster: nowhere\n'))).toEqual([
        ['tenants/acme.yaml', 'cluster', 'unknown_cluster'],
      ]);
    });

    it('defaults non-dedicated tiers to the shared cluster', () => {
      expect(codes(make('acme', 'topic-per-tenant', ownTopics))).toEqual([]);
    });

    it('accepts topic-per-tenant on another non-dedicated cluster', () => {
      expect(codes(make('acme', 'topic-per-tenant', ownTopics, 'cluster: shared-eu\n'))).toEqual([]);
    });

    it('fails if a dedicated tenant does not name its cluster', () => {
      expect(codes(make('bank', 'dedicated', ''))).toEqual(['cluster_required']);
    });

    it('fails if the dedicated tier points at a non-dedicated cluster', () => {
      expect(codes(make('bank', 'dedicated', '', 'cluster: shared\n'))).toEqual(['tier_cluster_mismatch']);
    });

    it.each(['topic-per-tenant', 'shared'])('fails if the %s tier points at a dedicated cluster', (tier) => {
      expect(codes(make('acme', tier, '', 'cluster: dedicated\n'))).toEqual(['tier_cluster_mismatch']);
    });

    it('fails if the shared tier is not on the shared cluster', () => {
      expect(codes(make('acme', 'shared', sharedWriter, 'cluster: shared-eu\n'))).toEqual(['tier_cluster_mismatch']);
    });

    it('fails if two dedicated tenants claim one dedicated cluster, pointing at both', () => {
      expect(
        found(
          make('bank-a', 'dedicated', '', 'cluster: dedicated\n'),
          make('bank-b', 'dedicated', '', 'cluster: dedicated\n'),
        ),
      ).toEqual([
        ['tenants/bank-a.yaml', 'cluster', 'dedicated_cluster_taken'],
        ['tenants/bank-b.yaml', 'cluster', 'dedicated_cluster_taken'],
      ]);
    });

    it('accepts two dedicated tenants on two dedicated clusters', () => {
      expect(
        codes(
          make('bank-a', 'dedicated', '', 'cluster: dedicated\n'),
          make('bank-b', 'dedicated', '', 'cluster: dedicated-2\n'),
        ),
      ).toEqual([]);
    });
  });

  describe('classification', () => {
    it.each(['topic-per-tenant', 'shared'])('fails if regulated data is on the %s tier', (tier) => {
      expect(codes(make('acme', tier, '', 'classification: regulated\n'))).toEqual(['regulated_not_dedicated']);
    });

    it('fails if pii on the shared tier is not encrypted', () => {
      expect(found(make('medi', 'shared', sharedWriter, 'classification: pii\n'))).toEqual([
        ['tenants/medi.yaml', 'encryption', 'pii_unencrypted'],
      ]);
    });

    it("accepts pii on topic-per-tenant without encryption (the topics are the tenant's own)", () => {
      expect(codes(make('medi', 'topic-per-tenant', ownTopics, 'classification: pii\n'))).toEqual([]);
    });
  });

  describe('lifecycle', () => {
    it('fails if data deletion is requested while the tenant is active', () => {
      expect(codes(make('acme', 'topic-per-tenant', ownTopics, 'deleteDataOnDecommission: true\n'))).toEqual([
        'delete_data_while_active',
      ]);
    });

    it('accepts data deletion together with decommissioning', () => {
      expect(
        codes(
          make('acme', 'topic-per-tenant', ownTopics, 'lifecycle: decommissioning\ndeleteDataOnDecommission: true\n'),
        ),
      ).toEqual([]);
    });
  });

  describe('topics', () => {
    it('fails if a shared-tier tenant declares its own topics', () => {
      expect(codes(make('acme', 'shared', `topics: [{ name: x }]\n${sharedWriter}`))).toEqual(['shared_tier_topics']);
    });

    it('fails if a topic is declared twice, at the repeat', () => {
      expect(found(make('acme', 'topic-per-tenant', `topics: [{ name: orders }, { name: orders }]\n`))).toEqual([
        ['tenants/acme.yaml', 'topics[1].name', 'duplicate_topic'],
      ]);
    });

    it('fails on characters kafka does not allow in topic names', () => {
      expect(
        codes(make('acme', 'topic-per-tenant', `topics: [{ name: "a/b" }, { name: "a b" }, { name: "a:b" }]\n`)),
      ).toEqual(['topic_name_illegal', 'topic_name_illegal', 'topic_name_illegal']);
    });

    it('counts the tenant prefix in the 249-character limit', () => {
      const fits = 'x'.repeat(249 - 'acme.'.length);
      expect(codes(make('acme', 'topic-per-tenant', `topics: [{ name: ${fits} }]\n`))).toEqual([]);
      expect(codes(make('acme', 'topic-per-tenant', `topics: [{ name: ${fits}x }]\n`))).toEqual(['topic_name_illegal']);
    });

    it('fails on names that differ only by "." vs "_"', () => {
      expect(found(make('acme', 'topic-per-tenant', `topics: [{ name: a.b }, { name: a_b }]\n`))).toEqual([
        ['tenants/acme.yaml', 'topics[0].name', 'topic_name_collision'],
        ['tenants/acme.yaml', 'topics[1].name', 'topic_name_collision'],
      ]);
    });

    it('fails on names that differ only by case', () => {
      expect(codes(make('acme', 'topic-per-tenant', `topics: [{ name: Orders }, { name: orders }]\n`))).toEqual([
        'topic_name_collision',
        'topic_name_collision',
      ]);
    });

    it('checks collisions per cluster', () => {
      const a = make('acme', 'topic-per-tenant', `topics: [{ name: a.b }]\n`);
      const b = make('acme', 'topic-per-tenant', `topics: [{ name: a_b }]\n`, 'cluster: shared-eu\n');
      expect(validateTenants(env, [a, { ...b, file: 'tenants/other.yaml' }]).map((p) => p.code)).toEqual([
        'duplicate_id',
        'duplicate_id',
      ]);
    });

    it('checks collisions against the shared topics', () => {
      // Only possible for the reserved id "shared", which is why that id is reserved.
      expect(codes(make('shared', 'topic-per-tenant', `topics: [{ name: orders_placed }]\n`)).sort()).toEqual([
        'reserved_id',
        'topic_name_collision',
      ]);
    });

    it("fails if a replication factor exceeds the cluster's brokers", () => {
      expect(found(make('acme', 'topic-per-tenant', `topics: [{ name: a, replicationFactor: 4 }]\n`))).toEqual([
        ['tenants/acme.yaml', 'topics[0].replicationFactor', 'replication_factor_too_high'],
      ]);
    });

    it("fails if a replication factor is below the tier's min.insync.replicas", () => {
      expect(codes(make('acme', 'topic-per-tenant', `topics: [{ name: a, replicationFactor: 1 }]\n`))).toEqual([
        'replication_factor_below_min_insync',
      ]);
    });
  });

  describe('applications', () => {
    it('fails if an application name is declared twice', () => {
      expect(codes(make('acme', 'topic-per-tenant', `${ownTopics}  - name: api\n    produces: [orders]\n`))).toEqual([
        'duplicate_application',
      ]);
    });

    it('fails if an application neither produces nor consumes', () => {
      expect(codes(make('acme', 'topic-per-tenant', `applications: [{ name: idle }]\n`))).toEqual([
        'application_without_intent',
      ]);
    });

    it('fails if produces or consumes names a topic the tenant does not declare', () => {
      expect(
        found(
          make(
            'acme',
            'topic-per-tenant',
            `topics: [{ name: orders }]\napplications: [{ name: api, produces: [ordrs], consumes: [other.orders], groups: [g] }]\n`,
          ),
        ),
      ).toEqual([
        ['tenants/acme.yaml', 'applications[0].consumes[0]', 'unknown_topic'],
        ['tenants/acme.yaml', 'applications[0].produces[0]', 'unknown_topic'],
      ]);
    });

    it('fails if a shared-tier tenant produces to a shared topic the environment does not declare', () => {
      expect(found(make('acme', 'shared', `applications: [{ name: api, produces: [orders.cancelled] }]\n`))).toEqual([
        ['tenants/acme.yaml', 'applications[0].produces[0]', 'unknown_topic'],
      ]);
    });

    it('fails if a shared-tier application consumes (only platform consumers read shared topics)', () => {
      expect(
        codes(
          make(
            'acme',
            'shared',
            `applications: [{ name: api, produces: [orders.placed], consumes: [orders.placed] }]\n`,
          ),
        ),
      ).toEqual(['shared_tier_consume']);
    });

    it('fails if an application consumes without a consumer group', () => {
      expect(found(make('acme', 'topic-per-tenant', `${ownTopics}    consumes: [orders]\n`))).toEqual([
        ['tenants/acme.yaml', 'applications[0].groups', 'consumer_without_group'],
      ]);
    });

    it('fails if an application declares groups but does not consume', () => {
      expect(codes(make('acme', 'topic-per-tenant', `${ownTopics}    groups: [api]\n`))).toEqual([
        'group_without_consume',
      ]);
    });

    it('fails if a shared-tier application declares groups', () => {
      expect(codes(make('acme', 'shared', `${sharedWriter}    groups: [api]\n`))).toEqual(['group_without_consume']);
    });

    it('fails if an application declares transactional ids but does not produce', () => {
      expect(
        codes(
          make(
            'acme',
            'topic-per-tenant',
            `topics: [{ name: o }]\napplications: [{ name: api, consumes: [o], groups: [g], transactionalIds: [t] }]\n`,
          ),
        ),
      ).toEqual(['transactional_id_without_produce']);
    });

    it('fails if two applications declare the same group', () => {
      const body = `topics: [{ name: o }]\napplications:\n  - { name: a, consumes: [o], groups: [g] }\n  - { name: b, consumes: [o], groups: [g] }\n`;
      expect(found(make('acme', 'topic-per-tenant', body))).toEqual([
        ['tenants/acme.yaml', 'applications[1].groups[0]', 'duplicate_group'],
      ]);
    });

    it('fails if two applications declare the same transactional id', () => {
      const body = `topics: [{ name: o }]\napplications:\n  - { name: a, produces: [o], transactionalIds: [t] }\n  - { name: b, produces: [o], transactionalIds: [t] }\n`;
      expect(codes(make('acme', 'topic-per-tenant', body))).toEqual(['duplicate_transactional_id']);
    });

    it('fails if a quota exceeds the tier bounds, per field', () => {
      expect(
        found(
          make(
            'acme',
            'shared',
            `applications: [{ name: api, produces: [orders.placed], quota: { producerByteRate: 5242881, requestPercentage: 50 } }]\n`,
          ),
        ),
      ).toEqual([['tenants/acme.yaml', 'applications[0].quota.producerByteRate', 'quota_out_of_bounds']]);
    });

    it('accepts a quota exactly at the tier bound', () => {
      expect(
        codes(make('acme', 'topic-per-tenant', `${ownTopics}    quota: { producerByteRate: 10485760 }\n`)),
      ).toEqual([]);
    });
  });

  describe('dedicated partitions', () => {
    const reserve = (topic: string, partitions: string) =>
      `dedicatedPartitions: [{ topic: ${topic}, partitions: ${partitions} }]\n`;

    it('fails if a non-shared tier reserves partitions', () => {
      expect(codes(make('acme', 'topic-per-tenant', `${ownTopics}${reserve('orders.placed', '[0]')}`))).toEqual([
        'dedicated_partitions_tier',
      ]);
    });

    it('fails if the topic is not a shared topic', () => {
      expect(codes(make('acme', 'shared', `${sharedWriter}${reserve('orders.returned', '[0]')}`))).toEqual([
        'dedicated_partitions_unknown_topic',
      ]);
    });

    it("fails on a partition at or above the shared topic's partition count", () => {
      expect(found(make('acme', 'shared', `${sharedWriter}${reserve('orders.placed', '[5, 6]')}`))).toEqual([
        ['tenants/acme.yaml', 'dedicatedPartitions[0].partitions[1]', 'dedicated_partition_out_of_range'],
      ]);
    });

    it("fails if a partition overlaps another tenant's, pointing at both", () => {
      expect(
        found(
          make('aaa', 'shared', `${sharedWriter}${reserve('orders.placed', '[0, 1]')}`),
          make('bbb', 'shared', `${sharedWriter}${reserve('orders.placed', '[1, 2]')}`),
        ),
      ).toEqual([
        ['tenants/aaa.yaml', 'dedicatedPartitions[0].partitions[1]', 'dedicated_partitions_overlap'],
        ['tenants/bbb.yaml', 'dedicatedPartitions[0].partitions[0]', 'dedicated_partitions_overlap'],
      ]);
    });

    it('accepts the same partition numbers on different shared topics', () => {
      const both = `applications: [{ name: api, produces: [orders.placed, orders.shipped] }]\n`;
      expect(
        codes(
          make('aaa', 'shared', `${both}${reserve('orders.placed', '[0]')}`),
          make('bbb', 'shared', `${both}${reserve('orders.shipped', '[0]')}`),
        ),
      ).toEqual([]);
    });

    it('fails if a topic or a partition is listed twice by one tenant', () => {
      const body = `${sharedWriter}dedicatedPartitions:\n  - { topic: orders.placed, partitions: [1, 1] }\n  - { topic: orders.placed, partitions: [2] }\n`;
      expect(codes(make('acme', 'shared', body))).toEqual([
        'dedicated_partitions_duplicate',
        'dedicated_partitions_duplicate',
      ]);
    });

    it('fails if no application of the tenant produces the topic', () => {
      expect(codes(make('acme', 'shared', `${sharedWriter}${reserve('orders.shipped', '[0]')}`))).toEqual([
        'dedicated_partitions_not_produced',
      ]);
    });
  });
});
