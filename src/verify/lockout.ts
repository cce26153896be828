/**
 * One root cause instead of hundreds of errors: a cluster that refuses every SCRAM login — the admin's and the
 * principals' alike — is what the Kafka ScramDelta bug leaves after a credential was deleted and a broker
 * restarted without a metadata snapshot (docs/upstream/kafka-scram-delta.md). Before the checks run, the
 * runner logs in once as the admin and as a few principals of each cluster; a cluster where all of them get the
 * broker's invalid-credentials answer is reported as one failing check with the hint, and its other checks are
 * not run (a note says how many).
 */
import { type Endpoint, loginAnswer } from '../kafka/client';
import { adminCredentials, SCRAM_LOCKOUT_HINT } from '../platform/identities';
import type { Actor, VerifyContext } from './context';
import { withDeadline } from '../kafka/deadline';
import type { CheckResult } from './types';

/** Principals tried per cluster besides the admin. */
const SAMPLE = 3;
/** One login and one request; kafkajs' own timeouts could add up to more on a broker that stalls midway. */
const LOGIN_DEADLINE_MS = 15_000;

const login = (brokers: Endpoint, creds: { username: string; password: string }) =>
  withDeadline(loginAnswer(brokers, creds), LOGIN_DEADLINE_MS, `login as ${creds.username}`).catch(() => 'no answer');

export interface Lockout {
  readonly cluster: string;
  readonly result: CheckResult;
}

/** Clusters (of the given actors) that refuse every SCRAM login, each with the failing result that explains it. */
export async function scramLockouts(ctx: VerifyContext, actors: readonly Actor[]): Promise<Lockout[]> {
  const clusters = [...new Set(actors.map((a) => a.cluster))].sort();
  const found: Lockout[] = [];
  for (const cluster of clusters) {
    const t0 = Date.now();
    const brokers = ctx.brokers(cluster);
    const admin = await login(brokers, adminCredentials(ctx.secrets, cluster));
    if (admin !== 'SASL_AUTHENTICATION_FAILED') continue;
    const tried = actors
      .filter((a) => a.cluster === cluster && ctx.secrets.get(a.principal.secretName) !== undefined)
      .slice(0, SAMPLE);
    const answers = await Promise.all(tried.map((a) => login(brokers, ctx.credentials(a.principal))));
    if (tried.length === 0 || answers.some((a) => a !== 'SASL_AUTHENTICATION_FAILED')) continue;
    found.push({
      cluster,
      result: {
        id: `conformance.scram-logins:${cluster}`,
        tenant: `cluster:${cluster}`,
        category: 'conformance',
        description: `the admin and the principals of cluster ${cluster} can log in with their SCRAM credentials`,
        cluster,
        status: 'fail',
        expected: 'logins accepted',
        observed: `every SCRAM login is refused: the admin and ${tried.map((a) => a.principal.username).join(', ')} (SASL_AUTHENTICATION_FAILED)`,
        details: [SCRAM_LOCKOUT_HINT],
        durationMs: Date.now() - t0,
      },
    });
  }
  return found;
}
