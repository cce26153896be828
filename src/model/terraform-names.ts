/**
 * Names of Terraform variables, shared by the stacks (which declare them) and the deploy runner and `tf-env`
 * (which feed them as TF_VAR_* from the secret source). The mapping is reversible, so a runner needs nothing but
 * the synthesized stack to know which secrets a stack wants.
 *
 * A variable name is also half of a shell variable name (`export TF_VAR_<name>=…` must work), so it holds
 * [a-z0-9_] only. Usernames (`acme-eu.billing-app`) and cluster names (`dedicated-2`) contain `.` and `-`,
 * which a shell identifier cannot: `.` is written `__` and `-` is written `_h_`. The names we encode never
 * contain `_` (tenant ids, app names and cluster names are [a-z0-9-], usernames join two of them with `.`), so
 * every `_` in an encoded name starts one of the two escapes, and their second characters differ: decoding is
 * unambiguous, and `acme-eu.billing` (`acme_h_eu__billing`) can never meet `acme.eu-billing`
 * (`acme__eu_h_billing`). Names without `-` keep the names they always had.
 */
import { secretName, secretNames } from '../naming';

/** `acme-eu.billing` → `acme_h_eu__billing`. Throws on characters outside [a-z0-9.-]: no name we create has them. */
export function identifierOf(name: string): string {
  if (!/^[a-z0-9.-]+$/.test(name)) {
    throw new Error(`cannot name a terraform variable after "${name}": only lowercase letters, digits, "." and "-"`);
  }
  return name.replace(/[.-]/g, (c) => (c === '.' ? '__' : '_h_'));
}

/** An encoded name: literal characters and the two escapes, nothing else (`_v…` of `_version` is neither). */
const ENCODED = '(?:[a-z0-9]|__|_h_)+';

/** Inverse of identifierOf; undefined when `encoded` is not one of its results. */
export function nameOfIdentifier(encoded: string): string | undefined {
  if (!new RegExp(`^${ENCODED}$`).test(encoded)) return undefined;
  return encoded.replace(/__|_h_/g, (e) => (e === '__' ? '.' : '-'));
}

/** `scram_password_acme__billing`, and its non-secret `…_version` companion (bumped to rotate the password). */
export function variableNames(username: string): { password: string; passwordVersion: string } {
  const base = `scram_password_${identifierOf(username)}`;
  return { password: base, passwordVersion: `${base}_version` };
}

/** Sensitive variable holding the admin (super user) password of one cluster. */
export function adminPasswordVariable(cluster: string): string {
  return `admin_password_${identifierOf(cluster)}`;
}

/** Sensitive variable of a tenant stack: the deployer's password on one cluster (plan-only runs: the planner's). */
export function deployerPasswordVariable(cluster: string): string {
  return `deployer_password_${identifierOf(cluster)}`;
}

/** Non-secret variable: who a stack's providers log in as (default per stack; plan-only runs set the planner). */
export const KAFKA_USER_VARIABLE = 'kafka_user';

/**
 * Variables of a SASL_SSL cluster's TLS material, fed from the secret source (`tlsca/<cluster>`, …) like the
 * admin password, so synthesized JSON holds nothing machine-specific. The CA bundle and client certificate are
 * public; the client key is sensitive and ephemeral.
 */
export function tlsVariables(cluster: string): { ca: string; clientCert: string; clientKey: string } {
  const id = identifierOf(cluster);
  return { ca: `tls_ca_${id}`, clientCert: `tls_client_cert_${id}`, clientKey: `tls_client_key_${id}` };
}

/**
 * Ephemeral variable of a stack with revoked credentials: random on every run, never stored anywhere, so the
 * passwords derived from it (ScramPrincipalProps.revoked) are known to nobody.
 */
export const REVOCATION_VARIABLE = 'scram_revocation_secret';

const ADMIN_VARIABLE = new RegExp(`^admin_password_(${ENCODED})$`);
const DEPLOYER_VARIABLE = new RegExp(`^deployer_password_(${ENCODED})$`);
const TLS_VARIABLE = new RegExp(`^tls_(ca|client_cert|client_key)_(${ENCODED})$`);
const SCRAM_VARIABLE = new RegExp(`^scram_password_(${ENCODED})$`);

/** Which secret feeds a sensitive variable; undefined for variables that are not secrets (e.g. `…_version`). */
export function secretForVariable(
  variable: string,
):
  | { kind: 'admin'; cluster: string }
  | { kind: 'deployer'; cluster: string }
  | { kind: 'scram'; username: string; secret: string }
  | { kind: 'revocation' }
  | { kind: 'tls'; cluster: string; secret: string }
  | undefined {
  if (variable === REVOCATION_VARIABLE) return { kind: 'revocation' };
  const tls = TLS_VARIABLE.exec(variable);
  if (tls) {
    const cluster = nameOfIdentifier(tls[2])!;
    const secret =
      tls[1] === 'ca'
        ? secretNames.tlsCa(cluster)
        : tls[1] === 'client_cert'
          ? secretNames.tlsClientCert(cluster)
          : secretNames.tlsClientKey(cluster);
    return { kind: 'tls', cluster, secret };
  }
  let m = ADMIN_VARIABLE.exec(variable);
  if (m) return { kind: 'admin', cluster: nameOfIdentifier(m[1])! };
  m = DEPLOYER_VARIABLE.exec(variable);
  if (m) return { kind: 'deployer', cluster: nameOfIdentifier(m[1])! };
  m = SCRAM_VARIABLE.exec(variable);
  if (m) {
    const username = nameOfIdentifier(m[1])!;
    return { kind: 'scram', username, secret: secretName(username) };
  }
  return undefined;
}

/**
 * `password_wo_version` of a revoked credential: a decommissioned principal's password replaced by a random one
 * nobody knows, instead of deleting the credential (see ScramPrincipalProps.revoked).
 */
export const REVOKED_CREDENTIAL_VERSION = 'revoked';

/**
 * Non-secret variable of a stack with remote state: true only while the stack has no state at all, so its ledger
 * does not try to read it back (TopicLedger). Our runner sets it when `terraform state pull` prints nothing, or a
 * state with no resources and no outputs (pg keeps an empty state as the sentinel of a new workspace).
 */
export const NEW_STACK_VARIABLE = 'kafka_tenancy_new_stack';

/**
 * Non-secret variable of a tenant stack whose file says `migration.state: done`: the sha256 of the cutover proof
 * (`kafka-tenancy migrate <tenant> cutover` writes it under `.local/migrations/<env>/<tenant>/`). The stack's
 * prior-state check refuses `done` unless the cutover was applied and this is set, for plain terraform too; our
 * runner and `tf-env` set it from the proof file. Named after the environment, whose folder holds the proof.
 */
export function migrationProofVariable(env: string): string {
  return `kafka_tenancy_migration_proof_${identifierOf(env)}`;
}

const MIGRATION_PROOF_VARIABLE = new RegExp(`^kafka_tenancy_migration_proof_(${ENCODED})$`);

/** The environment of a migration proof variable, or undefined for any other variable. */
export function migrationProofEnv(variable: string): string | undefined {
  const m = MIGRATION_PROOF_VARIABLE.exec(variable);
  return m ? nameOfIdentifier(m[1]!) : undefined;
}
