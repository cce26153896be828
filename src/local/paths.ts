import * as os from 'node:os';
import * as path from 'node:path';
import { localDir } from '../paths';

/** Downloads and builds shared across checkouts: `$KAFKA_TENANCY_CACHE` or `~/.cache/kafka-tenancy`. */
export function cacheDir(): string {
  return process.env.KAFKA_TENANCY_CACHE ?? path.join(os.homedir(), '.cache', 'kafka-tenancy');
}

// Below src/local/ so that production code (secrets, deploy) can use it without depending on the dev harness.
export { localDir };

export const cachePaths = {
  m2: () => path.join(cacheDir(), 'm2'),
  kafkaLibs: (version: string) => path.join(cacheDir(), `kafka-${version}`, 'libs'),
  goModCache: () => path.join(cacheDir(), 'go', 'mod'),
  goBuildCache: () => path.join(cacheDir(), 'go', 'build'),
  providerMirror: () => path.join(cacheDir(), 'tf-mirror'),
  cliConfig: () => path.join(cacheDir(), 'terraformrc'),
  toolsBin: () => path.join(cacheDir(), 'bin'),
};

/**
 * Local Terraform state of an environment: `$KAFKA_TENANCY_STATE_DIR` or `.local/state/<env>`.
 * Scenario tests point this elsewhere so they never touch the state of the main fleet.
 */
export function stateDir(envName: string): string {
  return process.env.KAFKA_TENANCY_STATE_DIR ?? path.join(localDir(), 'state', envName);
}
