import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadEnvironment, Environment } from '../../src/model/environment';
import { localClusters, probe, reset, up } from '../../src/local/cluster';
import { adminCredentials } from '../../src/platform/identities';
import { secretSourceFor, SecretSource } from '../../src/secrets';
import { type ClusterEndpoint, kafkaClient } from '../../src/kafka/client';
import { clusterEndpoint } from '../../src/platform/connection';
import { readyToolchain } from '../../src/terraform/runner';
import type { TerraformCli } from '../../src/toolchain/toolchain';
import { deploy } from '../../src/pipeline/deploy';
import { loadModel } from '../../src/model';
import { PLATFORM_STACK } from '../../src/stacks/app';
import { synthesize } from '../../src/stacks/synth';

export interface LocalPlatform {
  /** Project root the environment and tenant files come from (KT_TEST_FLEET_ROOT, or this checkout). */
  readonly root?: string;
  readonly env: Environment;
  readonly secrets: SecretSource;
  readonly cli: TerraformCli;
  /** Bootstrap servers, with TLS for a SASL_SSL cluster (platform/connection.ts). */
  readonly brokers: (cluster: string) => ClusterEndpoint;
  readonly admin: (cluster: string) => ReturnType<ReturnType<typeof kafkaClient>['admin']>;
}

/**
 * The real local platform, or a loud failure: integration tests never pass without brokers.
 * `npm test` (scripts/test.sh) brings the clusters up before jest runs.
 */
export async function requireLocalPlatform(): Promise<LocalPlatform> {
  // bench/platform-bench.ts points tests that take the platform from here at a generated fleet on its own clusters
  const root = process.env.KT_TEST_FLEET_ROOT || undefined;
  const env = loadEnvironment('local', root);
  const secrets = secretSourceFor(env);
  for (const c of localClusters(env)) {
    if (!(await probe(c, secrets, 8000))) {
      throw new Error(
        `local cluster "${c.name}" is not reachable; run \`kafka-tenancy local up\` (npm test does this)`,
      );
    }
  }
  const cli = readyToolchain();
  return {
    root,
    env,
    secrets,
    cli,
    brokers: (cluster) => clusterEndpoint(env, cluster, secrets),
    admin: (cluster) => kafkaClient(clusterEndpoint(env, cluster, secrets), adminCredentials(secrets, cluster)).admin(),
  };
}

/**
 * The platform handle of a throwaway environment (see `writeThrowawayEnvironment`), for helpers that take one, such
 * as `ConfigCommand`. Does not probe the cluster.
 */
export function throwawayPlatform(env: Environment, secrets: SecretSource): LocalPlatform {
  return {
    env,
    secrets,
    cli: readyToolchain(),
    brokers: (cluster) => clusterEndpoint(env, cluster, secrets),
    admin: (cluster) => kafkaClient(clusterEndpoint(env, cluster, secrets), adminCredentials(secrets, cluster)).admin(),
  };
}

/** Short random lowercase suffix for anything a test creates. */
export function suffix(): string {
  return crypto
    .randomBytes(4)
    .toString('hex')
    .replace(/^[0-9]/, 'x');
}

/**
 * A throwaway single-broker cluster of a test's own: writes the environment (writeThrowawayEnvironment), points this
 * process at the test's `.local` and state folders (restore them with savedLocalDirs), wipes and starts the cluster.
 */
export async function startThrowawayCluster(
  root: string,
  opts: {
    name: string;
    clientPort: number;
    controllerPort: number;
    cluster?: string;
    localDir: string;
    stateDir: string;
    security?: Record<string, unknown>;
  },
): Promise<Environment> {
  fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
  writeThrowawayEnvironment(root, opts);
  // In this process too: `up` keeps the cluster and its secrets under the temp .local; synth writes the state path.
  process.env.KAFKA_TENANCY_LOCAL_DIR = opts.localDir;
  process.env.KAFKA_TENANCY_STATE_DIR = opts.stateDir;
  const env = loadEnvironment(opts.name, root);
  await reset(env);
  await up(env);
  return env;
}

/**
 * Writes `<root>/environments/<name>.yaml`: the local environment reduced to one single-broker cluster on the given
 * loopback ports (for tests that restart, freeze or break a cluster of their own). Returns its bootstrap servers.
 */
export function writeThrowawayEnvironment(
  root: string,
  opts: {
    name: string;
    clientPort: number;
    controllerPort: number;
    cluster?: string;
    security?: Record<string, unknown>;
  },
): string[] {
  const repoRoot = path.join(__dirname, '..', '..');
  const local = parseYaml(fs.readFileSync(path.join(repoRoot, 'environments', 'local.yaml'), 'utf8')) as {
    clusters: { shared: { local: Record<string, unknown> } & Record<string, unknown> };
  } & Record<string, unknown>;
  const shared = local.clusters.shared;
  const brokers = [`127.0.0.1:${opts.clientPort}`];
  const cluster = opts.cluster ?? 'shared';
  const doc = {
    ...local,
    name: opts.name,
    sharedCluster: cluster,
    clusters: {
      [cluster]: {
        ...shared,
        ...(opts.security ? { security: opts.security } : {}),
        bootstrapServers: brokers,
        local: { ...shared.local, clientPort: opts.clientPort, controllerPort: opts.controllerPort, heapMb: 384 },
      },
    },
  };
  fs.mkdirSync(path.join(root, 'environments'), { recursive: true });
  fs.writeFileSync(path.join(root, 'environments', `${opts.name}.yaml`), stringifyYaml(doc));
  return brokers;
}

/** After a SIGCONT: the environment's (single) broker answers its admin again (bounded: 30 tries). */
export async function answersAgain(env: Environment, secrets: SecretSource): Promise<void> {
  const [c] = localClusters(env);
  for (let i = 0; i < 30; i++) {
    if (await probe(c!, secrets, 4000)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the ${env.name} broker does not answer after SIGCONT`);
}

/** The local-folder variables a throwaway-cluster test points elsewhere; `restore()` puts them back. */
export function savedLocalDirs(): { restore: () => void } {
  const saved = { local: process.env.KAFKA_TENANCY_LOCAL_DIR, state: process.env.KAFKA_TENANCY_STATE_DIR };
  return {
    restore: () => {
      for (const [key, value] of [
        ['KAFKA_TENANCY_LOCAL_DIR', saved.local],
        ['KAFKA_TENANCY_STATE_DIR', saved.state],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}

/**
 * The main checkout's platform stack (shared topics, platform consumers) deployed, with the main state folder:
 * tests of a temp project verify their tenant against the shared topics, and on a fresh machine nothing else may
 * have deployed them yet. Idempotent (no changes when deployed). Call it before pointing
 * KAFKA_TENANCY_STATE_DIR elsewhere.
 */
export async function ensurePlatformDeployed(platform: LocalPlatform): Promise<void> {
  const model = loadModel({ env: 'local' });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-platform-'));
  try {
    synthesize(model, out);
    await deploy({ model, outdir: out, stacks: [PLATFORM_STACK], cli: platform.cli, secrets: platform.secrets });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
