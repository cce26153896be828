/**
 * Names of Terraform variables, shared by the stacks (which declare them) and the deploy runner (which feeds
 * them as TF_VAR_* from the secret source). The mapping is reversible, so the runner needs nothing but the
 * synthesized stack to know which secrets a stack wants. Usernames contain `.`, which Terraform identifiers
 * cannot, hence `__` (tenant ids and app names never contain `_`).
 */
export function variableNames(username: string): { password: string; passwordVersion: string } {
  const base = `scram_password_${username.replace(/\./g, '__')}`;
  return { password: base, passwordVersion: `${base}_version` };
}

/** Sensitive variable holding the admin (super user) password of one cluster. */
export function adminPasswordVariable(cluster: string): string {
  return `admin_password_${cluster}`;
}

/** Secret name in the secret source for a principal's SCRAM password. */
export function scramSecretName(username: string): string {
  return `scram/${username}`;
}

/**
 * Ephemeral variable of a stack with revoked credentials: random on every run, never stored anywhere, so the
 * passwords derived from it (ScramPrincipalProps.revoked) are known to nobody.
 */
export const REVOCATION_VARIABLE = 'scram_revocation_secret';

/** Which secret feeds a sensitive variable; undefined for variables that are not secrets. */
export function secretForVariable(
  variable: string,
):
  | { kind: 'admin'; cluster: string }
  | { kind: 'scram'; username: string; secret: string }
  | { kind: 'revocation' }
  | undefined {
  if (variable === REVOCATION_VARIABLE) return { kind: 'revocation' };
  let m = /^admin_password_([a-z][a-z0-9-]*)$/.exec(variable);
  if (m) return { kind: 'admin', cluster: m[1] };
  m = /^scram_password_(.+?)$/.exec(variable);
  if (m && !variable.endsWith('_version')) {
    const username = m[1].replace(/__/g, '.');
    return { kind: 'scram', username, secret: scramSecretName(username) };
  }
  return undefined;
}

/**
 * `password_wo_version` of a revoked credential: a decommissioned principal's password replaced by a random one
 * nobody knows, instead of deleting the credential (see ScramPrincipalProps.revoked).
 */
export const REVOKED_CREDENTIAL_VERSION = 'revoked';
