import { removedTenantVerdict, reusedTenantIdProblems, reviewBlockerProblems } from '../../../src/pipeline/guards';
import { reviewPlans, type StackContext } from '../../../src/review';
import type { TfPlan } from '../../../src/terraform/json';
import { planPhases } from '../../../src/pipeline/decommission';
import { formatProblem } from '../../../src/errors';
import {
  configuredAddresses,
  deployedTopics,
  mask,
  stateResources,
  type StateResource,
} from '../../../src/terraform/json';

describe('removed tenant verdict', () => {
  const topic: StateResource = {
    address: 'kafka_topic.t',
    type: 'kafka_topic',
    name: 't',
    values: { name: 'acme.orders' },
  };
  const acl: StateResource = { address: 'kafka_acl.a', type: 'kafka_acl', name: 'a', values: {} };

  it('refuses an active tenant even with an empty state (it may never have been deployed here, but the rule is the same)', () => {
    const v = removedTenantVerdict([{ id: 'acme', file: 'tenants/acme.yaml', baseLifecycle: 'active', state: [] }]);
    expect(v.problems.map((p) => p.code)).toEqual(['tenant_file_removed']);
  });

  it('refuses a decommissioning tenant with anything but topics left, and allows one with only topics', () => {
    const v = removedTenantVerdict([
      { id: 'acme', file: 'tenants/acme.yaml', baseLifecycle: 'decommissioning', state: [topic, acl] },
      { id: 'beta', file: 'tenants/beta.yaml', baseLifecycle: 'decommissioning', state: [topic] },
    ]);
    expect(v.problems.map((p) => `${p.file} ${p.code}`)).toEqual(['tenants/acme.yaml decommission_incomplete']);
    expect(v.allowed).toEqual([{ id: 'beta', retainedTopics: ['acme.orders'] }]);
  });
});

describe('reused tenant id guard', () => {
  const acme = { id: 'acme', file: 'tenants/acme.yaml', cluster: 'shared', topicPrefix: 'acme.' };

  it('refuses a new tenant whose prefix holds topics, declared or not, with the file, the id and the way out', () => {
    expect(
      reusedTenantIdProblems(acme, ['acme.orders', 'acme.invoices', 'acme-eu.orders', 'acmeorders']).map(formatProblem),
    ).toEqual([
      'tenants/acme.yaml: id: topics acme.invoices, acme.orders already exist on cluster shared (retained by a decommissioned tenant?); ' +
        'the grants of a new tenant "acme" on "acme." would reach their data. choose another id or delete/adopt them explicitly',
    ]);
  });

  it('lets a free prefix through and shortens a long list', () => {
    expect(reusedTenantIdProblems(acme, ['acme-eu.orders', 'shared.orders.placed'])).toEqual([]);
    const many = Array.from({ length: 12 }, (_, i) => `acme.t${String(i).padStart(2, '0')}`);
    expect(reusedTenantIdProblems(acme, many)[0].message).toContain('acme.t09 and 2 more already exist');
  });
});

describe('plan review blockers as problems (what deploy refuses)', () => {
  const removal: TfPlan = {
    resource_changes: [
      {
        address: 'kafka_topic.t',
        type: 'kafka_topic',
        name: 't',
        change: { actions: ['delete'], before: { name: 'shared.audit', partitions: 3 }, after: null },
      },
    ],
  };
  const platform: StackContext = {
    stack: 'platform',
    kind: 'platform',
    file: 'environments/local.yaml',
    lifecycle: 'active',
    deleteData: false,
    topics: {},
    retired: {},
  };

  it('names the environment file for a shared topic removed from sharedTopics, and offers retiredSharedTopics, never allowDataLoss', () => {
    const review = reviewPlans([{ stack: 'platform', plan: removal }], { stacks: { platform } });
    expect(reviewBlockerProblems(review).map(formatProblem)).toEqual([
      'environments/local.yaml: topic shared.audit is deleted (no longer declared in environments/local.yaml) and nothing approves it. ' +
        'restore the topic in environments/local.yaml, or retire it under retiredSharedTopics with deleteData: false (forget it, keep its records) or deleteData: true (delete it and its records)',
    ]);
  });

  it('is empty when nothing blocks', () => {
    const review = reviewPlans([{ stack: 'platform', plan: { resource_changes: [] } }], { stacks: { platform } });
    expect(reviewBlockerProblems(review)).toEqual([]);
  });
});

describe('decommission phases', () => {
  const r = (type: string, name: string): StateResource => ({ address: `${type}.${name}`, type, name, values: {} });
  const state = [
    r('kafka_topic', 't'),
    r('kafka_quota', 'q'),
    r('kafka_acl', 'a2'),
    r('kafka_acl', 'a1'),
    r('kafka_user_scram_credential', 'c'),
  ];

  it('removes ACLs, then credentials, then quotas; topics stay when they are still declared', () => {
    expect(planPhases(state, ['kafka_topic.t'], false).map((p) => `${p.phase.name}: ${p.targets.join(' ')}`)).toEqual([
      'access: kafka_acl.a1 kafka_acl.a2',
      'credentials: kafka_user_scram_credential.c',
      'quotas: kafka_quota.q',
    ]);
  });

  it('deletes topics last and only with deleteData', () => {
    expect(planPhases(state, [], true).map((p) => p.phase.name)).toEqual(['access', 'credentials', 'quotas', 'data']);
    expect(planPhases(state, [], false).map((p) => p.phase.name)).toEqual(['access', 'credentials', 'quotas']);
  });

  it('targets nothing that the configuration still declares, except credentials that are not revoked yet', () => {
    expect(
      planPhases(
        state,
        state.map((x) => x.address),
        true,
      ).map((p) => `${p.phase.name}: ${p.targets.join(' ')}`),
    ).toEqual(['credentials: kafka_user_scram_credential.c']);
    const revoked = state.map((x) =>
      x.type === 'kafka_user_scram_credential' ? { ...x, values: { password_wo_version: 'revoked' } } : x,
    );
    expect(
      planPhases(
        revoked,
        revoked.map((x) => x.address),
        true,
      ),
    ).toEqual([]);
  });
});

describe('terraform JSON', () => {
  it('reads resources from a local state file and from show -json alike', () => {
    const file = {
      version: 4,
      resources: [
        {
          mode: 'managed',
          type: 'kafka_topic',
          name: 't',
          instances: [{ attributes: { name: 'a.b', partitions: 6, replication_factor: 1 } }],
        },
      ],
    };
    const shown = {
      values: {
        root_module: {
          resources: [
            {
              address: 'kafka_topic.t',
              mode: 'managed',
              type: 'kafka_topic',
              name: 't',
              values: { name: 'a.b', partitions: 6, replication_factor: 1 },
            },
          ],
        },
      },
    };
    expect(deployedTopics(stateResources(file))).toEqual(deployedTopics(stateResources(shown)));
    expect(deployedTopics(stateResources(file))).toEqual([
      { address: 'kafka_topic.t', name: 'a.b', partitions: 6, replicationFactor: 1 },
    ]);
    expect(stateResources(undefined)).toEqual([]);
  });

  it('lists the addresses a synthesized stack declares', () => {
    expect(configuredAddresses({ resource: { kafka_acl: { a: {}, b: {} }, kafka_topic: { t: {} } } })).toEqual([
      'kafka_acl.a',
      'kafka_acl.b',
      'kafka_topic.t',
    ]);
  });

  it('masks nested sensitive values and leaves null ones alone', () => {
    expect(
      mask({ a: { b: 's', c: 'x' }, d: null, e: ['p', 'q'] }, { a: { b: true }, d: true, e: [false, true] }),
    ).toEqual({
      a: { b: '(sensitive)', c: 'x' },
      d: null,
      e: ['p', '(sensitive)'],
    });
  });
});
