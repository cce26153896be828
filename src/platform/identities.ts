/**
 * The platform's own identities on every cluster, for production code and the dev harness alike (src/local/
 * starts clusters; it is the only place that knows how, and nothing outside the CLI's `local` command imports it).
 *
 * - `admin`: the super user. Bootstraps a cluster (the platform stack's SCRAM users) and nothing else in a
 *   pipeline that has a deployer.
 * - Passwords come from the secret source under `secretNames.admin(cluster)` and friends (src/naming.ts).
 */
import type { OperatorRole } from '../acl';
import { EnvironmentError } from '../errors';
import { requireSecret, secretNames, type SecretSource } from '../secrets';

export const ADMIN_USER = 'admin';

/**
 * Operator principals, SCRAM users on every cluster, made by the platform stack (applied as the admin) with the
 * ACLs of `operatorAcls` (src/acl/derive.ts): the deployer applies tenant stacks, the planner plans (pull
 * requests). No dot in their names, so they can never be a tenant's `<tenant>.<app>` nor a platform consumer's
 * `platform.<name>`.
 */
export const DEPLOYER_USER = 'platform-deployer';
export const PLANNER_USER = 'platform-planner';
export const OPERATORS: ReadonlyArray<{ readonly username: string; readonly role: OperatorRole }> = [
  { username: DEPLOYER_USER, role: 'deployer' },
  { username: PLANNER_USER, role: 'planner' },
];

/** The login of an operator principal (its SCRAM password is in the secret source as scram/<username>). */
export function operatorCredentials(secrets: SecretSource, username: string): Credentials {
  const password = secrets.get(secretNames.scram(username));
  if (!password) {
    throw new EnvironmentError(
      `secret "${secretNames.scram(username)}" is missing: ${username} has no password yet`,
      'the platform stack creates the operator principals: deploy it once as the admin (kafka-tenancy deploy platform)',
    );
  }
  return { username, password };
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The admin login of a cluster; its password must exist (`local up` creates those of local clusters). */
export function adminCredentials(secrets: SecretSource, cluster: string): Credentials {
  return { username: ADMIN_USER, password: requireSecret(secrets, secretNames.admin(cluster)) };
}

/**
 * The hint for a cluster that refuses every SCRAM login, the admin's included: the signature of the Kafka
 * ScramDelta bug after a credential was deleted and the broker restarted without a metadata snapshot.
 */
export const SCRAM_LOCKOUT_HINT =
  "every SCRAM login is refused, the admin's included: if a SCRAM credential was deleted since the last metadata " +
  'snapshot and the broker restarted, this is the Kafka ScramDelta bug (docs/upstream/kafka-scram-delta.md; ' +
  'credentials are still in the metadata log, the broker lost them while replaying it). Local clusters: ' +
  '`kafka-tenancy local reset`. Real clusters: see "SCRAM credentials and broker restarts" in the README';
