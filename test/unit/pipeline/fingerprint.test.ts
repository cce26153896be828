/**
 * The per-stack content hashes `affected` compares must never miss a change: for a set of environment edits, every
 * stack whose synthesized output changes has a changed fingerprint (synth is the oracle here, and only here).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadModel } from '../../../src/model';
import { normalizeStack } from '../../../src/pipeline/affected';
import { stackFingerprints } from '../../../src/pipeline/fingerprint';
import { synthesize } from '../../../src/stacks/synth';

const REPO = path.resolve(__dirname, '../../..');
type Env = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML edits in a test

const EDITS: ReadonlyArray<[string, (e: Env) => void]> = [
  ['a topic-per-tenant default quota', (e) => (e.tierDefaults['topic-per-tenant'].quota.requestPercentage = 60)],
  ['the shared cluster bootstrap address', (e) => (e.clusters.shared.bootstrapServers = ['127.0.0.1:19094'])],
  ['the dedicated cluster heap (local only)', (e) => (e.clusters.dedicated.local.heapMb = 768)],
  ['a shared topic partition count', (e) => (e.sharedTopics[0].partitions = 12)],
  [
    'a platform consumer reading one more topic',
    (e) => (e.platformConsumers[1].consumes = ['orders.placed', 'orders.shipped']),
  ],
  ['the shared tier retention default', (e) => (e.tierDefaults.shared.retentionMs = 86_400_000)],
  ['the dedicated tier partitions default', (e) => (e.tierDefaults.dedicated.partitions = 6)],
  ['the state backend', (e) => (e.state = { backend: 's3', bucket: 'b', region: 'eu-west-1', keyPrefix: 'k' })],
  ['a cluster description only', (e) => (e.clusters.shared.description = 'words')],
];

function synthOf(root: string, out: string): Map<string, string> {
  const model = loadModel({ env: 'local', root });
  synthesize(model, out);
  const texts = new Map<string, string>();
  for (const s of fs.readdirSync(path.join(out, 'stacks'))) {
    const json = JSON.parse(fs.readFileSync(path.join(out, 'stacks', s, 'cdk.tf.json'), 'utf8')) as unknown;
    texts.set(s, JSON.stringify(normalizeStack(json)));
  }
  return texts;
}

describe('stackFingerprints', () => {
  // The oracle is only as good as its edits: most of them must really change some stack's output.
  const changedOutput: string[] = [];
  afterAll(() => expect(changedOutput.length).toBeGreaterThanOrEqual(5));

  it.each(EDITS)('changes for every stack whose synthesized output changes: %s', (_what, edit) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-fp-'));
    try {
      fs.cpSync(path.join(REPO, 'tenants'), path.join(root, 'tenants'), { recursive: true });
      fs.cpSync(path.join(REPO, 'environments'), path.join(root, 'environments'), { recursive: true });
      const envFile = path.join(root, 'environments', 'local.yaml');
      const before = stackFingerprints(loadModel({ env: 'local', root }));
      const outBefore = synthOf(root, path.join(root, 'a'));
      const env = parse(fs.readFileSync(envFile, 'utf8')) as Env;
      edit(env);
      fs.writeFileSync(envFile, stringify(env));
      let after: Map<string, string>;
      try {
        after = stackFingerprints(loadModel({ env: 'local', root }));
      } catch {
        return; // an edit the validation refuses changes nothing
      }
      const outAfter = synthOf(root, path.join(root, 'b'));
      const outputChanged = [...outAfter.keys()].filter((s) => outBefore.get(s) !== outAfter.get(s));
      const printChanged = [...after.keys()].filter((s) => before.get(s) !== after.get(s));
      expect(outputChanged.filter((s) => !printChanged.includes(s))).toEqual([]);
      if (outputChanged.length) changedOutput.push(_what);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('ignores where things are declared: moving lines changes no fingerprint', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-fp-'));
    try {
      fs.cpSync(path.join(REPO, 'tenants'), path.join(root, 'tenants'), { recursive: true });
      fs.cpSync(path.join(REPO, 'environments'), path.join(root, 'environments'), { recursive: true });
      const before = stackFingerprints(loadModel({ env: 'local', root }));
      const acme = path.join(root, 'tenants', 'acme.yaml');
      fs.writeFileSync(acme, `# a comment that moves every line\n\n${fs.readFileSync(acme, 'utf8')}`);
      expect(stackFingerprints(loadModel({ env: 'local', root }))).toEqual(before);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
