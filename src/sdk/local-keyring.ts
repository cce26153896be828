/**
 * The tenant encryption keys of a local environment: one keyring file per environment,
 * `<localDir>/secrets/keys-<env>.json` (git-ignored `.local/`, mode 0600, next to the generated dev secrets).
 * The verification suite, the integration tests and the benchmarks all open it through `localKeyringFor`, so
 * whatever one of them encrypts the others can decrypt. Pipelines and production use `LocalKeyring.fromEnv`
 * or a KMS-backed `KeyProvider` instead.
 */
import * as path from 'node:path';
import { localDir } from '../paths';
import { KeyringError } from './errors';
import { LocalKeyring } from './key-provider';

const ENV_NAME = /^[a-z][a-z0-9-]*$/;

/** `<localDir>/secrets/keys-<env>.json`; `localDir()` honours `KAFKA_TENANCY_LOCAL_DIR`. */
export function localKeyringFile(envName: string): string {
  if (!ENV_NAME.test(envName)) {
    throw new KeyringError(
      `environment name ${JSON.stringify(envName.slice(0, 64))} is invalid; expected lowercase letters, digits and "-"`,
    );
  }
  return path.join(localDir(), 'secrets', `keys-${envName}.json`);
}

/**
 * Open the environment's local keyring, creating it (and a version-1 key for every listed tenant that has none)
 * on first use. Never commit the file: crypto-shredding and confidentiality both depend on it staying private.
 */
export function localKeyringFor(envName: string, tenantIds: readonly string[]): LocalKeyring {
  return LocalKeyring.openOrCreate(localKeyringFile(envName), tenantIds);
}
