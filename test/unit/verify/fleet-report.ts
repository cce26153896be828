/**
 * A realistic report of a whole run over the small model (`smallModel({ withDedicated: true })`): the checks the
 * runner plans for it, with ids, owners and targets as the check factories set them, and three things gone wrong —
 * `acme.billing`'s credential is lost on `shared` (every one of its checks there errors with the broker's refusal),
 * `acme-eu.writer` can fetch acme's topic (one failing pair), and `bank.core`'s quota is not probed (over the byte
 * budget: skipped). For the renderers' unit tests and the HTML page's browser test.
 */
import type { Model } from '../../../src/model/types';
import type { CheckResult, VerificationReport } from '../../../src/verify/types';
import { report, result } from './fixtures';
import { smallModel } from './fixtures';

export const LOST = 'acme.billing';
export const LEAKING = { actor: 'acme-eu', target: 'acme', check: 'negative.fetch:acme-eu.writer->acme' };
export const SKIPPED_QUOTA = 'quota.enforced:bank.core';

const SASL_REFUSED =
  'could not run: KafkaJSSASLAuthenticationError: SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512';

const NEGATIVE_KINDS: Array<[string, string]> = [
  ['produce', 'TOPIC_AUTHORIZATION_FAILED'],
  ['fetch', 'TOPIC_AUTHORIZATION_FAILED'],
  ['metadata', 'TOPIC_AUTHORIZATION_FAILED'],
  ['list-offsets', 'TOPIC_AUTHORIZATION_FAILED'],
  ['join-group', 'GROUP_AUTHORIZATION_FAILED'],
  ['commit-offsets', 'GROUP_AUTHORIZATION_FAILED'],
  ['create-topic', 'TOPIC_AUTHORIZATION_FAILED'],
  ['describe-configs', 'TOPIC_AUTHORIZATION_FAILED'],
];

/** Owners per cluster as `runVerification` reports them. */
export function owners(model: Model): Record<string, string[]> {
  return Object.fromEntries(
    Object.keys(model.env.clusters)
      .sort()
      .map((c) => [
        c,
        [
          ...model.tenants.filter((t) => t.cluster === c).map((t) => t.id),
          ...(c === model.env.sharedCluster && model.platform.consumers.length ? ['platform'] : []),
        ].sort(),
      ]),
  );
}

export function fleetResults(model: Model = smallModel({ withDedicated: true })): CheckResult[] {
  const out: CheckResult[] = [];
  const shared = model.env.sharedCluster;
  const actors = [
    ...model.tenants.flatMap((t) => t.principals.map((p) => ({ owner: t.id, cluster: t.cluster, p, tier: t.tier }))),
    ...model.platform.consumers.map((p) => ({ owner: 'platform', cluster: shared, p, tier: 'platform' })),
  ];
  // Conformance: topics, ACLs per principal, hygiene per cluster.
  for (const t of model.tenants) {
    for (const topic of t.topics) {
      out.push(
        result({
          id: `conformance.topic:${topic.name}`,
          tenant: t.id,
          category: 'conformance',
          cluster: t.cluster,
          status: 'pass',
          expected: 'as declared',
          observed: 'as declared',
          description: `${topic.name} exists on ${t.cluster} as declared`,
        }),
      );
    }
  }
  for (const a of actors) {
    const extra = a.p.username === 'acme-eu.writer';
    out.push(
      result({
        id: `conformance.acls:${a.p.username}`,
        tenant: a.owner,
        category: 'conformance',
        cluster: a.cluster,
        status: extra ? 'fail' : 'pass',
        expected: `exactly the ${a.p.acls.length} derived binding(s)`,
        observed: extra ? '1 extra binding' : 'exactly the derived bindings',
        description: `${a.p.username}'s live bindings are exactly the derived ones`,
        details: extra ? ['extra: ALLOW User:acme-eu.writer READ Topic PREFIXED acme. @* (on shared)'] : [],
      }),
    );
  }
  for (const c of Object.keys(owners(model)).filter((c) => owners(model)[c]!.length > 0)) {
    out.push(
      result({
        id: `conformance.acl-hygiene:${c}`,
        tenant: `cluster:${c}`,
        category: 'conformance',
        cluster: c,
        status: 'pass',
        expected: 'no wildcard, separator-less or cluster binding',
        observed: 'none',
        description: `no binding on ${c} is dangerously broad`,
      }),
    );
  }
  // Positive.
  for (const a of actors.filter((x) => x.owner !== 'platform')) {
    for (const kind of ['produce', 'consume'] as const) {
      const topics = kind === 'produce' ? a.p.produces : a.p.consumes;
      for (const logical of topics) {
        out.push(
          result({
            id: `positive.${kind}:${a.p.username}->${a.owner === 'shop' ? 'shared.' : `${a.owner}.`}${logical}`,
            tenant: a.owner,
            category: 'positive',
            cluster: a.cluster,
            status: 'pass',
            expected: 'success',
            observed: 'success',
            description: `${a.p.username} can ${kind} ${logical}`,
          }),
        );
      }
    }
  }
  // Negative: every ordered pair of owners on a cluster, the platform consumers against every tenant.
  for (const cluster of Object.keys(model.env.clusters).sort()) {
    const here = model.tenants.filter((t) => t.cluster === cluster).map((t) => t.id);
    for (const a of actors.filter((x) => x.cluster === cluster)) {
      for (const target of here.filter((t) => t !== a.owner)) {
        for (const [kind, expected] of NEGATIVE_KINDS) {
          const id = `negative.${kind}:${a.p.username}->${target}`;
          const leak = id === LEAKING.check;
          out.push(
            result({
              id,
              tenant: a.owner,
              target,
              category: 'negative',
              cluster,
              status: leak ? 'fail' : 'pass',
              expected,
              observed: leak ? 'success (1 record(s) fetched)' : expected,
              description: `${a.p.username} cannot ${kind} ${target}`,
              details: leak ? [`fetch ${target}.orders: success (1 record(s) fetched)`] : [],
            }),
          );
        }
      }
    }
  }
  // Shared tier: tenants of the other tiers cannot write the shared topics, no tenant can read them.
  for (const a of actors.filter((x) => x.cluster === shared && x.owner !== 'platform')) {
    for (const topic of model.platform.topics) {
      const kind = a.tier === 'shared' ? 'tenant-read-denied' : 'tenant-write-denied';
      out.push(
        result({
          id: `shared-tier.${kind}:${a.p.username}->${topic.name}`,
          tenant: a.owner,
          target: 'platform',
          category: 'shared-tier',
          cluster: shared,
          status: 'pass',
          expected: 'TOPIC_AUTHORIZATION_FAILED',
          observed: 'TOPIC_AUTHORIZATION_FAILED',
          description: `${a.p.username} cannot reach ${topic.name}`,
        }),
      );
    }
  }
  // Dedicated tier: credentials do not cross clusters.
  for (const t of model.tenants.filter((x) => x.tier === 'dedicated')) {
    for (const a of actors.filter((x) => x.cluster !== t.cluster)) {
      out.push(
        result({
          id: `dedicated-tier.foreign-auth-refused:${a.p.username}@${t.cluster}`,
          tenant: t.id,
          target: a.owner,
          category: 'dedicated-tier',
          cluster: t.cluster,
          status: 'pass',
          expected: 'SASL_AUTHENTICATION_FAILED',
          observed: 'SASL_AUTHENTICATION_FAILED',
          description: `${a.p.username} cannot authenticate on ${t.cluster}`,
        }),
      );
    }
    for (const p of t.principals) {
      out.push(
        result({
          id: `dedicated-tier.auth-refused:${p.username}@${shared}`,
          tenant: t.id,
          category: 'dedicated-tier',
          cluster: shared,
          status: 'pass',
          expected: 'SASL_AUTHENTICATION_FAILED',
          observed: 'SASL_AUTHENTICATION_FAILED',
          description: `${p.username}'s credentials do not authenticate on ${shared}`,
        }),
      );
    }
  }
  // Quotas: one probe per principal; the dedicated tenant's would exceed the byte budget.
  for (const a of actors) {
    const id = `quota.enforced:${a.p.username}`;
    const rate = `${Math.round(a.p.quota.producerByteRate / 1024)} KiB/s`;
    const skipped = id === SKIPPED_QUOTA;
    out.push(
      result({
        id,
        tenant: a.owner,
        category: 'quota',
        cluster: a.cluster,
        status: skipped ? 'skipped' : 'pass',
        expected: `throttled within the burst, broker-side quota ≈ ${rate} (not materially higher)`,
        observed: skipped
          ? 'not probed: a burst would need 37.5 MiB, over the 8.0 MiB budget'
          : `throttled 1200 ms after 1.9 MiB; quota in force ≈ ${rate}`,
        description: `${a.p.username} is throttled when it bursts above its producer_byte_rate of ${rate}`,
      }),
    );
  }
  // The lost credential: every check of acme.billing on the shared cluster errors with the broker's refusal.
  return out.map((r) =>
    r.cluster === shared && r.id.includes(`:${LOST}`) && !r.id.startsWith('conformance.')
      ? { ...r, status: 'error' as const, expected: '(a decision)', observed: SASL_REFUSED, details: [] }
      : r,
  );
}

export function fleetReport(): VerificationReport {
  const model = smallModel({ withDedicated: true });
  const results = fleetResults(model);
  return report(results, {
    owners: owners(model),
    notes: [
      'cross-tenant pairs per cluster (up to 50 tenants: all): shared: all 6 ordered tenant pairs',
      "deleted the run's 3 consumer group(s): shared 3",
    ],
  });
}
