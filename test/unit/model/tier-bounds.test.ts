/** Tier bounds on size (`tierDefaults.<tier>.topicBounds`), beyond the golden fixtures. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem } from '../../../src/errors';
import { loadModel } from '../../../src/model/build';
import { loadEnvironment } from '../../../src/model/environment';
import { ENVIRONMENT_RULES, validateTenants } from '../../../src/model/validate';
import { HEADER, problemLines, tenant, testEnv } from './helpers';

const env = testEnv();
const REPO = path.join(__dirname, '..', '..', '..');

describe('tier bounds', () => {
  it('refuses partitions: 100000 on a topic-per-tenant tenant with the example environments', () => {
    for (const name of ['local', 'production']) {
      // GIVEN a copy of the example environment and one tenant asking for 100000 partitions
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bounds-'));
      fs.mkdirSync(path.join(root, 'environments'));
      fs.mkdirSync(path.join(root, 'tenants'));
      fs.copyFileSync(path.join(REPO, 'environments', `${name}.yaml`), path.join(root, 'environments', `${name}.yaml`));
      fs.writeFileSync(
        path.join(root, 'tenants', 'huge.yaml'),
        `id: huge\n${HEADER}\ntier: topic-per-tenant\nclassification: internal\ntopics:\n  - name: orders\n    partitions: 100000\napplications:\n  - name: api\n    produces: [orders]\n`,
      );
      // WHEN validated THEN the topic is refused at its line, naming the received and allowed values
      const lines = problemLines(() => loadModel({ env: name, root }));
      expect(lines).toContain(
        'tenants/huge.yaml:8:17: topics[0].partitions: must be at most 48 on the topic-per-tenant tier (tierDefaults.topic-per-tenant.topicBounds.maxPartitionsPerTopic), got 100000; lower it, or move the tenant to a tier with higher bounds',
      );
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('bounds the partitions of each topic and their sum per tenant', () => {
    // GIVEN 5 topics (the count bound) of 19 partitions: 95 of the 96 a topic-per-tenant tenant may have
    const topics = [...'abcde'].map((n) => `  - name: ${n}\n    partitions: 19\n`).join('');
    const t = tenant(
      `id: many\n${HEADER}\ntier: topic-per-tenant\nclassification: internal\ntopics:\n${topics}applications:\n  - name: api\n    produces: [a]\n`,
    );
    expect(validateTenants(env, [t]).map((p) => p.code)).toEqual([]);
    const more = tenant(
      `id: many\n${HEADER}\ntier: dedicated\ncluster: dedicated\nclassification: regulated\ntopics:\n${topics.replace(/19/g, '256')}  - name: f\n    partitions: 1000\napplications:\n  - name: api\n    produces: [a]\n`,
    );
    // WHEN a dedicated tenant adds a topic of 1000 partitions THEN both bounds refuse it
    expect(validateTenants(env, [more]).map((p) => p.code)).toEqual([
      'tenant_partitions_above_tier_bound',
      'partitions_above_tier_bound',
    ]);
  });

  it('exempts a decommissioning tenant (its topics are on the way out)', () => {
    const t = tenant(
      `id: old\n${HEADER}\ntier: topic-per-tenant\nclassification: internal\nlifecycle: decommissioning\ntopics:\n  - name: orders\n    partitions: 100\n    retentionMs: -1\napplications:\n  - name: api\n    produces: [orders]\n`,
    );
    expect(validateTenants(env, [t])).toEqual([]);
  });

  it("refuses a premium topic that copies more partitions than the shared tier's per-topic bound", () => {
    const e = { ...env, sharedTopics: [{ name: 'orders.placed', partitions: 7 }] };
    const t = tenant(
      `id: shop\n${HEADER}\ntier: shared\nclassification: public\napplications:\n  - name: api\n    produces: [orders.placed]\npremiumTopics: [orders.placed]\n`,
    );
    const problems = validateTenants(e, [t]).filter((p) => p.code === 'partitions_above_tier_bound');
    expect(problems.map(formatProblem)).toEqual([
      'tenants/shop.yaml:9:17: premiumTopics[0]: premium topic "shop.premium.orders.placed" copies the 7 partitions of shared.orders.placed, the shared tier allows at most 6 per topic (tierDefaults.shared.topicBounds.maxPartitionsPerTopic); remove the entry, or ask the platform team to raise the bound',
    ]);
  });
});

describe('environment rule tier_defaults_out_of_bounds', () => {
  const rule = ENVIRONMENT_RULES.find((r) => r.code === 'tier_defaults_out_of_bounds')!;
  const check = (mutate: (d: (typeof env.tierDefaults)['shared']) => void) => {
    const tierDefaults = structuredClone(env.tierDefaults);
    mutate(tierDefaults.shared);
    return rule.check({ env: { ...env, tierDefaults }, file: 'environments/test.yaml' }).map((p) => p.path);
  };

  it('accepts every example environment', () => {
    expect(() => loadEnvironment('local', REPO)).not.toThrow();
    expect(() => loadEnvironment('production', REPO)).not.toThrow();
    expect(check(() => undefined)).toEqual([]);
  });

  it('refuses defaults outside the bounds and incoherent bounds', () => {
    expect(check((d) => (d.partitions = 7))).toEqual(['tierDefaults.shared.partitions']);
    expect(check((d) => (d.retentionMs = -1))).toEqual(['tierDefaults.shared.retentionMs']);
    expect(check((d) => (d.retentionMs = 1000))).toEqual(['tierDefaults.shared.retentionMs']);
    expect(check((d) => (d.topicBounds.minRetentionMs = d.topicBounds.maxRetentionMs + 1))).toContain(
      'tierDefaults.shared.topicBounds.minRetentionMs',
    );
    expect(check((d) => (d.topicBounds.maxPartitionsPerTenant = 3))).toContain(
      'tierDefaults.shared.topicBounds.maxPartitionsPerTopic',
    );
  });
});
