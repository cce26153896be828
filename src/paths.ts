/**
 * Where this checkout keeps its runtime files and its download cache. Production code (secrets, deploy, the
 * toolchain) and the dev harness in src/local/ both need them, so they live below both: production code never
 * imports src/local/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Per-checkout runtime state (cluster data, logs, pids, dev secrets, terraform state). Git-ignored. */
export function localDir(root = projectRoot()): string {
  return process.env.KAFKA_TENANCY_LOCAL_DIR ?? path.join(root, '.local');
}

/** Project root: the folder holding package.json (works from src/ and from dist/src/). */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'environments'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** Downloads and builds shared across checkouts: `$KAFKA_TENANCY_CACHE` or `~/.cache/kafka-tenancy`. */
export function cacheDir(): string {
  return process.env.KAFKA_TENANCY_CACHE ?? path.join(os.homedir(), '.cache', 'kafka-tenancy');
}

export const cachePaths = {
  m2: () => path.join(cacheDir(), 'm2'),
  kafkaLibs: (version: string) => path.join(cacheDir(), `kafka-${version}`, 'libs'),
  /** MirrorMaker 2's runtime classpath (tier migration), apart from the broker's: another Kafka version. */
  mirrorMakerLibs: (version: string) => path.join(cacheDir(), `mirror-maker-${version}`, 'libs'),
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

/**
 * A folder only its owner may enter (secrets, keys, CA keys): its parents are made with the usual mode, so that a
 * freshly made `.local` stays traversable for the services the harness runs as other users (PostgreSQL).
 */
export function mkdirPrivate(dir: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** A tenant's tier-migration folder: replication process files, status, the cutover proof. */
export function migrationDir(envName: string, tenant: string): string {
  return path.join(localDir(), 'migrations', envName, tenant);
}

/** The cutover proof `kafka-tenancy migrate <tenant> cutover` writes and deploy requires before `state: done`. */
export function cutoverProofFile(envName: string, tenant: string): string {
  return path.join(migrationDir(envName, tenant), 'cutover.json');
}
