/**
 * The data-safety guard that lives in the synthesized configuration (TopicLedger): what every stack records in
 * its state, reads back at plan time, and how retired topics become `removed` blocks at the address the topic
 * had. The behaviour against a real terraform and cluster is in test/integration/apply-paths.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEDGER_OUTPUTS } from '../../../src/constructs/topic-ledger';
import { loadModel } from '../../../src/model';
import { synthesize } from '../../../src/stacks/synth';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');

interface StackJson {
  resource?: Record<string, Record<string, unknown>>;
  data?: Record<string, Record<string, { count?: string; config?: { path?: string }; lifecycle?: unknown }>>;
  output?: Record<string, { value: unknown }>;
  removed?: Array<{ from: string; lifecycle: { destroy: boolean } }>;
}

const tenant = (topics: string[], retired = '') => `id: ledger
owner: team-l
contact: l@example.com
tier: topic-per-tenant
classification: internal
topics:
${topics.map((t) => `  - name: ${t}\n`).join('')}applications:
  - name: app
    produces: [${topics.join(', ')}]
${retired}`;

function synth(work: string, name: string, yaml: string, envPatch = ''): (stack: string) => StackJson {
  const root = path.join(work, name);
  fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
  if (envPatch) fs.appendFileSync(path.join(root, 'environments', 'local.yaml'), envPatch);
  fs.writeFileSync(path.join(root, 'tenants', 'ledger.yaml'), yaml);
  const out = path.join(root, 'out');
  synthesize(loadModel({ env: 'local', root }), out);
  return (stack) => JSON.parse(fs.readFileSync(path.join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson;
}

describe('TopicLedger in the synthesized stacks', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-ledger-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const before = synth(work, 'before', tenant(['a', 'b', 'c']))('ledger');
  const after = synth(
    work,
    'after',
    tenant(['a'], 'retiredTopics:\n  - name: b\n    deleteData: false\n  - name: c\n    deleteData: true\n'),
  )('ledger');

  it('records the declared topics and the cluster as outputs the next plan reads back', () => {
    expect(before.output?.[LEDGER_OUTPUTS.topics].value).toEqual(['ledger.a', 'ledger.b', 'ledger.c']);
    expect(before.output?.[LEDGER_OUTPUTS.cluster].value).toBe('shared');
    expect(after.output?.[LEDGER_OUTPUTS.topics].value).toEqual(['ledger.a']);
  });

  it('reads its own state file, only once it has content (the first plan has nothing to compare with)', () => {
    const [prior] = Object.values(after.data?.terraform_remote_state ?? {});
    expect(prior.config?.path).toMatch(/ledger\.tfstate$/);
    expect(prior.count).toBe(`\${try(length(file(${JSON.stringify(prior.config?.path)})), 0) > 0 ? 1 : 0}`);
    const text = JSON.stringify(prior.lifecycle);
    expect(text).toContain('tenants/ledger.yaml: this stack is deployed on cluster');
    expect(text).toContain('retire it under retiredTopics');
    // Retired topics (either decision) are allowed to leave; nothing else is.
    expect(text).toContain('[\\"ledger.a\\",\\"ledger.b\\",\\"ledger.c\\"]');
    const beforeText = JSON.stringify(Object.values(before.data?.terraform_remote_state ?? {})[0].lifecycle);
    expect(beforeText).toContain('[\\"ledger.a\\",\\"ledger.b\\",\\"ledger.c\\"]');
  });

  it('forgets a topic retired with deleteData: false at the exact address it had, and deletes the other', () => {
    const addressOf = (name: string) =>
      Object.entries(before.resource?.kafka_topic ?? {}).find(([, v]) => (v as { name: string }).name === name)?.[0];
    expect(after.removed).toEqual([{ from: `kafka_topic.${addressOf('ledger.b')}`, lifecycle: { destroy: false } }]);
    expect(Object.keys(after.resource?.kafka_topic ?? {})).toEqual([addressOf('ledger.a')]);
  });

  it('with remote state, skips the read only when the runner says the stack has no state yet', () => {
    const root = path.join(work, 'remote');
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
    fs.writeFileSync(path.join(root, 'tenants', 'ledger.yaml'), tenant(['a']));
    const out = path.join(root, 'out');
    synthesize(loadModel({ env: 'production', root }), out);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'ledger', 'cdk.tf.json'), 'utf8')) as StackJson & {
      variable: Record<string, { default?: unknown }>;
    };
    const [prior] = Object.values(json.data?.terraform_remote_state ?? {}) as Array<{
      count?: string;
      backend?: string;
    }>;
    expect(json.variable.kafka_tenancy_new_stack.default).toBe(false);
    expect(prior.count).toBe('${var.kafka_tenancy_new_stack ? 0 : 1}');
    expect(prior.backend).toBe('s3');
  });

  it('guards the platform stack with the environment file and retiredSharedTopics', () => {
    const platform = synth(
      work,
      'platform',
      tenant(['a']),
      '\nretiredSharedTopics:\n  - name: audit.old\n    deleteData: false\n',
    )('platform');
    const text = JSON.stringify(Object.values(platform.data?.terraform_remote_state ?? {})[0].lifecycle);
    expect(text).toContain('environments/local.yaml: topic(s)');
    expect(text).toContain('retiredSharedTopics');
    expect(platform.removed?.[0].from).toMatch(/^kafka_topic\.sharedauditold_topic_[0-9A-F]{8}$/);
  });
});
