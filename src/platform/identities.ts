/**
 * The platform's own identities on every cluster, for production code and the dev harness alike (src/local/
 * starts clusters; it is the only place that knows how, and nothing outside the CLI's `local` command imports it).
 *
 * - `admin`: the super user. Bootstraps a cluster (the platform stack's SCRAM users) and nothing else in a
 *   pipeline that has a deployer.
 * - Passwords come from the secret source under `secretNames.admin(cluster)` and friends (src/naming.ts).
 */
import { requireSecret, secretNames, type SecretSource } from '../secrets';

export const ADMIN_USER = 'admin';

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
