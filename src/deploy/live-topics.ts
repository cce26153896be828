/**
 * Topics that exist on a cluster, listed as its admin. `deploy` and `plan` ask before creating a tenant (a stack
 * with no state yet): topics already under the tenant's prefix belong to someone else — typically a decommissioned
 * tenant whose topics were retained — and the new tenant's prefixed grants would reach their data.
 *
 * `deploy` and `plan` are synchronous (plain terraform runs, one after the other), and kafkajs is not, so the
 * listing runs in a short-lived node process: the parent resolves the brokers and the admin credentials, the child
 * builds the client with `kafkaClient` and prints the topic names. Credentials travel on the child's stdin, never
 * on its command line.
 */
import { spawnSync } from 'node:child_process';
import { EnvironmentError } from '../errors';
import { adminCredentials } from '../local/cluster';
import type { Environment } from '../model/environment';
import type { SecretSource } from '../secrets';

/** Topic names on a cluster (by its name in the environment). */
export type TopicLister = (cluster: string) => readonly string[];

/**
 * The child: loads `kafkaClient` (compiled, or from the TypeScript source when running from sources, as the tests
 * do), lists the topics as admin and prints them as JSON.
 */
const CHILD = `
const fs = require('fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
if (input.module.endsWith('.ts')) {
  const ts = require(input.typescript);
  require.extensions['.ts'] = (m, file) =>
    m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    }).outputText, file);
}
const { kafkaClient } = require(input.module);
const admin = kafkaClient(input.brokers, input.credentials, { clientId: 'kafka-tenancy-preflight', retries: 2 }).admin();
(async () => {
  await admin.connect();
  try { return await admin.listTopics(); } finally { await admin.disconnect().catch(() => undefined); }
})().then(
  (topics) => process.stdout.write(JSON.stringify(topics)),
  (err) => { process.stderr.write(String((err && err.message) || err)); process.exitCode = 1; },
);
`;

/** Lists topics as the cluster's admin, once per cluster per lister. */
export function adminTopicLister(env: Environment, secrets: SecretSource): TopicLister {
  const cache = new Map<string, string[]>();
  return (cluster) => {
    const hit = cache.get(cluster);
    if (hit) return hit;
    const config = env.clusters[cluster];
    if (!config) throw new EnvironmentError(`cluster "${cluster}" is not in environment "${env.name}"`);
    const module = require.resolve('../kafka/client');
    const input = {
      module,
      typescript: module.endsWith('.ts') ? require.resolve('typescript') : undefined,
      brokers: config.bootstrapServers,
      credentials: adminCredentials(secrets, cluster),
    };
    const res = spawnSync(process.execPath, ['-e', CHILD], {
      input: JSON.stringify(input),
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (res.error || res.status !== 0) {
      throw new EnvironmentError(
        `cannot list the topics of cluster "${cluster}" as admin: ${String(res.error?.message ?? res.stderr)
          .trim()
          .split('\n')
          .slice(-5)
          .join(' ')}`,
        'is the cluster reachable with the admin credentials of the secret source?',
      );
    }
    const topics = (JSON.parse(res.stdout) as string[]).sort();
    cache.set(cluster, topics);
    return topics;
  };
}
