import * as crypto from 'node:crypto';
import { loadEnvironment, Environment } from '../../src/model/environment';
import { adminCredentials, localClusters, probe } from '../../src/local/cluster';
import { secretSourceFor, SecretSource } from '../../src/secrets';
import { kafkaClient } from '../../src/kafka/client';
import { readyToolchain } from '../../src/deploy/terraform';
import type { TerraformCli } from '../../src/local/toolchain';

export interface LocalPlatform {
  readonly env: Environment;
  readonly secrets: SecretSource;
  readonly cli: TerraformCli;
  readonly brokers: (cluster: string) => string[];
  readonly admin: (cluster: string) => ReturnType<ReturnType<typeof kafkaClient>['admin']>;
}

/**
 * The real local platform, or a loud failure: integration tests never pass without brokers.
 * `npm test` (scripts/test.sh) brings the clusters up before jest runs.
 */
export async function requireLocalPlatform(): Promise<LocalPlatform> {
  const env = loadEnvironment('local');
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
    env,
    secrets,
    cli,
    brokers: (cluster) => [...env.clusters[cluster].bootstrapServers],
    admin: (cluster) => kafkaClient(env.clusters[cluster].bootstrapServers, adminCredentials(secrets, cluster)).admin(),
  };
}

/** Short random lowercase suffix for anything a test creates. */
export function suffix(): string {
  return crypto
    .randomBytes(4)
    .toString('hex')
    .replace(/^[0-9]/, 'x');
}
