/**
 * Dedicated tier: a dedicated tenant's principals exist only on its own cluster, so its credentials are refused
 * everywhere else and nobody else's are accepted on its cluster. That is the isolation boundary; the ACLs on its
 * cluster come second. (Where its topics live is checked by `placement`, in conformance.ts.)
 */
import type { Actor, VerifyContext } from '../context';
import { RawSession, answer } from '../raw';
import type { Scope } from '../scope';
import type { Check } from '../types';
import { allDenied } from './common';

const AUTH_DENIED = ['SASL_AUTHENTICATION_FAILED'];

async function authenticate(ctx: VerifyContext, cluster: string, actor: Actor) {
  return answer(async () => {
    const s = await RawSession.open(ctx.brokers(cluster), ctx.credentials(actor.principal));
    await s.close();
    return `authenticated as ${actor.principal.username}`;
  });
}

export function dedicatedTierChecks(ctx: VerifyContext, actors: readonly Actor[], scope: Scope): Check[] {
  const checks: Check[] = [];
  const dedicatedTenants = ctx.model.tenants.filter((t) => t.tier === 'dedicated');
  for (const actor of actors) {
    if (actor.tenant?.tier !== 'dedicated' || !scope.has(actor.owner)) continue;
    // a tenant moving between dedicated clusters logs in on its target too until done (checks/migration.ts)
    const m = actor.tenant.migration;
    const moving = m && (m.state === 'copying' || m.state === 'cutover') ? m.targetCluster : undefined;
    for (const other of ctx.clusters().filter((c) => c !== actor.cluster && c !== moving)) {
      checks.push({
        id: `dedicated-tier.auth-refused:${actor.principal.username}@${other}`,
        tenant: actor.owner,
        category: 'dedicated-tier',
        cluster: other,
        description: `${actor.principal.username}'s credentials do not authenticate on cluster ${other}`,
        run: async () =>
          allDenied(AUTH_DENIED, [{ label: `SCRAM login on ${other}`, answer: await authenticate(ctx, other, actor) }]),
      });
    }
  }
  const dedicatedClusters = [...new Set(dedicatedTenants.map((t) => t.cluster))].sort();
  for (const cluster of dedicatedClusters) {
    const residents = dedicatedTenants.filter((t) => t.cluster === cluster).map((t) => t.id);
    const owner = residents.length === 1 ? residents[0]! : `cluster:${cluster}`;
    for (const actor of actors) {
      if (actor.cluster === cluster) continue;
      if (!scope.has(actor.owner) && !residents.some((r) => scope.has(r))) continue;
      checks.push({
        id: `dedicated-tier.foreign-auth-refused:${actor.principal.username}@${cluster}`,
        tenant: owner,
        target: actor.owner,
        category: 'dedicated-tier',
        cluster,
        description: `${actor.principal.username} (${actor.owner}) cannot authenticate on ${residents.join(', ')}'s dedicated cluster ${cluster}`,
        run: async () =>
          allDenied(AUTH_DENIED, [
            { label: `SCRAM login on ${cluster}`, answer: await authenticate(ctx, cluster, actor) },
          ]),
      });
    }
  }
  return checks;
}
