import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError } from '../errors';
import type { Environment } from '../model/environment';
import { localDir, mkdirPrivate } from '../paths';

/**
 * Where passwords and keys come from. Nothing here is ever written to git, synthesized JSON, logs or reports:
 * deploy hands SCRAM passwords to terraform as sensitive TF_VAR_* variables, verify reads them directly.
 */
export interface SecretSource {
  /** The secret, or undefined if it does not exist (yet). */
  get(name: string): string | undefined;
  /**
   * The secret; created (random) if missing and the source can create secrets. Asynchronous: creating one waits
   * for a lock another process (deploy and verify at once, parallel tests) may hold.
   */
  getOrCreate(name: string): Promise<string>;
}

/**
 * A secret that must already exist (an admin password: `kafka-tenancy local up` creates those of local clusters,
 * and inventing one could never log in); the error says where it should come from.
 */
export function requireSecret(secrets: SecretSource, name: string): string {
  const value = secrets.get(name);
  if (value) return value;
  throw new EnvironmentError(
    `secret "${name}" is missing`,
    secrets instanceof EnvSecrets
      ? `set ${EnvSecrets.variableName(name)} from your secret store`
      : secrets instanceof LocalFileSecrets
        ? `local clusters: \`kafka-tenancy local up\` creates it; other clusters: add it to ${secrets.file}`
        : undefined,
  );
}

// Secret names live with every other name (src/naming.ts); re-exported for the secret source's users.
export { secretNames } from '../naming';

/** Random password without characters that need quoting in JAAS configs or Kafka's `--add-scram` syntax. */
export function randomPassword(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** Dev secrets generated on first use into a git-ignored JSON file, mode 0600. */
export class LocalFileSecrets implements SecretSource {
  private cache: Record<string, string> | undefined;
  constructor(readonly file: string) {}

  private load(): Record<string, string> {
    if (!this.cache) {
      this.cache = fs.existsSync(this.file)
        ? (JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>)
        : {};
    }
    return this.cache;
  }

  get(name: string): string | undefined {
    // Re-read: another process (deploy vs verify) may have added secrets.
    this.cache = undefined;
    return this.load()[name];
  }

  /**
   * Store a value the dev harness made (a local cluster's CA bundle), replacing what was there. Only for values
   * nothing was applied with yet: passwords are created once by getOrCreate and never replaced.
   */
  async put(name: string, value: string): Promise<void> {
    if (this.get(name) === value) return;
    mkdirPrivate(path.dirname(this.file));
    await withFileLock(`${this.file}.lock`, () => {
      this.cache = undefined;
      const all = this.load();
      all[name] = value;
      this.write(all);
    });
  }

  private write(all: Record<string, string>): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  async getOrCreate(name: string): Promise<string> {
    const existing = this.get(name);
    if (existing) return existing;
    mkdirPrivate(path.dirname(this.file));
    // Two processes (deploy and verify, parallel tests) may both create secrets: read-modify-write under a lock,
    // so a password that was already applied to Kafka is never overwritten.
    return withFileLock(`${this.file}.lock`, () => {
      this.cache = undefined;
      const all = this.load();
      if (all[name]) return all[name];
      all[name] = randomPassword();
      this.write(all);
      return all[name];
    });
  }
}

/**
 * Run `fn` holding an exclusive lock file (O_EXCL). Bounded wait, polling on a timer (never blocking the event
 * loop: kafkajs heartbeats and supervised children's deadlines keep running); a lock older than 30 s is stale.
 */
async function withFileLock<T>(lockFile: string, fn: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lockFile, 'wx', 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lockFile).mtimeMs > 30_000) fs.rmSync(lockFile, { force: true });
      } catch {
        // the holder released it between our open and stat
      }
      if (Date.now() > deadline)
        throw new EnvironmentError(
          `timed out waiting for the lock ${lockFile}`,
          'remove it if no kafka-tenancy process is running',
        );
      await sleep(20);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/**
 * Pipelines: `KAFKA_TENANCY_SECRET_<NAME>`, upper case, with `-` → `_`, `.` → `__`, `/` → `___`.
 * Reversible by construction: secret names are `<kind>/<name>` where names are lowercase letters, digits, `-`
 * and `.` with `.` only between alphanumerics, so `acme.eu-billing` (…ACME__EU_BILLING) and `acme-eu.billing`
 * (…ACME_EU__BILLING) can never share a variable — and so never a password.
 */
export class EnvSecrets implements SecretSource {
  static variableName(name: string): string {
    if (!/^[a-z]+\/[a-z0-9][a-z0-9.-]*$/.test(name) || /[.-][.-]/.test(name)) {
      throw new EnvironmentError(`secret name "${name}" cannot be mapped to an environment variable`);
    }
    const encoded = name.replace(/\//g, '___').replace(/\./g, '__').replace(/-/g, '_').toUpperCase();
    return `KAFKA_TENANCY_SECRET_${encoded}`;
  }
  get(name: string): string | undefined {
    return process.env[EnvSecrets.variableName(name)];
  }
  async getOrCreate(name: string): Promise<string> {
    const v = this.get(name);
    if (!v) {
      throw new EnvironmentError(
        `secret "${name}" is missing`,
        `set ${EnvSecrets.variableName(name)} from your secret store`,
      );
    }
    return v;
  }
}

export function localSecretsFile(envName: string): string {
  return path.join(localDir(), 'secrets', `${envName}.json`);
}

export function secretSourceFor(env: Environment): SecretSource {
  return env.secrets.source === 'env' ? new EnvSecrets() : new LocalFileSecrets(localSecretsFile(env.name));
}
