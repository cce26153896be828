/**
 * After a decommission: prove nothing of the tenant is left that someone could use. Checks behaviour where the
 * client allows it (a login with the tenant's real password must be refused) and the cluster's ACLs and topics
 * through the admin API.
 *
 * Limitation: kafkajs has no DescribeClientQuotas / DescribeUserScramCredentials, so the quota is checked through
 * the Terraform state (its delete was applied) and the credential through the refused login. A quota left on a
 * user that cannot authenticate has no effect.
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { describeAcl, fromDescribeAcls, reachesPrefix } from '../acl';
import { principalOf } from '../naming';
import { adminCredentials, OPERATORS } from '../platform/identities';
import { type Endpoint, kafkaClient, kafkaErrorType } from '../kafka/client';
import { clusterEndpoint } from '../platform/connection';
import type { Environment } from '../model/environment';
import type { SecretSource } from '../secrets';
import type { PrincipalModel, TenantModel } from '../model/types';
import { isRevokedCredential, type StateResource } from '../terraform/json';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DecommissionCheckOptions {
  readonly env: Environment;
  readonly tenant: TenantModel;
  readonly secrets: SecretSource;
  /** The stack's state after the teardown. */
  readonly state: readonly StateResource[];
}

/**
 * A login with the principal's last password must be refused by the broker (SASL_AUTHENTICATION_FAILED, the
 * broker's invalid-credentials answer). Without a stored password nothing can be proven: a random password is
 * refused whether or not the credential still exists. A login that fails otherwise (timeout, dropped connection,
 * SASL_ERROR) proves nothing either.
 */
export async function loginRefused(
  brokers: Endpoint,
  p: Pick<PrincipalModel, 'username' | 'secretName'>,
  stored: string | undefined,
): Promise<Check> {
  const name = `${p.username} cannot authenticate`;
  if (!stored) {
    return {
      name,
      ok: false,
      detail: `no stored password (secret "${p.secretName}"): cannot prove the credential is gone`,
    };
  }
  const admin = kafkaClient(brokers, { username: p.username, password: stored }, { retries: 0 }).admin();
  const err = await admin.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  await admin.disconnect().catch(() => undefined);
  const type = err ? kafkaErrorType(err) : 'connected';
  const ok = type === 'SASL_AUTHENTICATION_FAILED';
  const why = err && !ok ? ` (${String((err as Error).message ?? err).split('\n')[0]})` : '';
  return {
    name,
    ok,
    detail: ok
      ? 'login with its last password refused: SASL_AUTHENTICATION_FAILED'
      : `expected SASL_AUTHENTICATION_FAILED, got ${type}${why}`,
  };
}

export async function verifyDecommissioned(opts: DecommissionCheckOptions): Promise<Check[]> {
  const { tenant, env, secrets } = opts;
  const brokers = clusterEndpoint(env, tenant.cluster, secrets);
  const retained = tenant.deleteData ? [] : tenant.topics.map((t) => t.name).sort();
  const checks: Check[] = [];

  for (const p of tenant.principals) checks.push(await loginRefused(brokers, p, secrets.get(p.secretName)));

  const admin = kafkaClient(brokers, adminCredentials(secrets, tenant.cluster), { retries: 2 }).admin();
  await admin.connect();
  try {
    const acls = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const live = fromDescribeAcls(tenant.cluster, acls.resources);
    const userPrefix = `User:${tenant.topicPrefix}`;
    const ofPrincipals = live
      .filter((a) => a.principal.startsWith(userPrefix))
      .map((a) => `${a.principal} on ${a.resourceName}`);
    checks.push({
      name: `no ACL names a principal of ${tenant.id}`,
      ok: ofPrincipals.length === 0,
      detail: ofPrincipals.length ? `left: ${ofPrincipals.join(', ')}` : `no ACL for ${userPrefix}*`,
    });
    const tenantTypes: readonly string[] = ['Topic', 'Group', 'TransactionalId'];
    // The operators' own wildcard bindings (no data: verify checks them exactly) are not someone's access.
    const operators = new Set(OPERATORS.map((o) => principalOf(o.username)));
    const reaching = live
      .filter(
        (a) =>
          tenantTypes.includes(a.resourceType) && reachesPrefix(a, tenant.topicPrefix) && !operators.has(a.principal),
      )
      .map((a) => describeAcl(a, { principal: true }));
    checks.push({
      name: `no ACL reaches ${tenant.topicPrefix}* (retained topics: the admin and the operators only)`,
      ok: reaching.length === 0,
      detail: reaching.length
        ? `left: ${reaching.join(', ')}`
        : 'no literal, prefixed or wildcard grant matches the tenant prefix',
    });

    const topics = (await admin.listTopics()).filter((t) => t.startsWith(tenant.topicPrefix)).sort();
    const same = topics.length === retained.length && topics.every((t, i) => t === retained[i]);
    checks.push({
      name: tenant.deleteData ? 'no topic of the tenant remains' : 'only the retained topics remain',
      ok: same,
      detail: `on ${tenant.cluster}: ${topics.join(', ') || 'none'}${same ? '' : `; expected ${retained.join(', ') || 'none'}`}`,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  const revoked = opts.state.filter(isRevokedCredential);
  const extra = opts.state.filter(
    (r) => !revoked.includes(r) && (r.type !== 'kafka_topic' || !retained.includes(String(r.values.name))),
  );
  checks.push({
    name: 'terraform state holds only the retained topics and revoked credentials',
    ok: extra.length === 0,
    detail: extra.length
      ? `left in state: ${extra.map((r) => r.address).join(', ')}`
      : `${opts.state.length - revoked.length} retained topic(s), ${revoked.length} revoked credential(s); no quota or ACL`,
  });
  return checks;
}
