import type { CheckResult } from '../../../src/verify/types';
import { causeOf, notable, rootCauses, subjectOf } from '../../../src/verify/causes';
import { fleetResults } from './fleet-report';
import { result } from './fixtures';

const SASL =
  'could not run: KafkaJSSASLAuthenticationError: SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512';
const err = (id: string, observed: string, over: Partial<CheckResult> = {}) =>
  result({ id, status: 'error', expected: '(a decision)', observed, ...over });

describe('subjectOf', () => {
  it('is the acting principal or the checked thing of a check id', () => {
    expect(subjectOf('negative.fetch:acme.billing->globex')).toBe('acme.billing');
    expect(subjectOf('dedicated-tier.auth-refused:bank.core@shared')).toBe('bank.core');
    expect(subjectOf('quota.noisy-neighbour:shop.web+acme.billing')).toBe('shop.web');
    expect(subjectOf('conformance.topic:acme.orders')).toBe('acme.orders');
  });
});

describe('rootCauses', () => {
  it('makes one cause of every check a lost credential ended, naming the principal and the cluster', () => {
    const results = fleetResults();
    const lost = results.filter((r) => r.status === 'error').map((r) => r.id);
    expect(rootCauses(results)).toEqual([
      {
        key: 'shared/acme.billing/SASL_AUTHENTICATION_FAILED',
        summary: 'acme.billing cannot log in to shared: SASL_AUTHENTICATION_FAILED',
        cluster: 'shared',
        subject: 'acme.billing',
        checks: lost,
      },
    ]);
  });

  it('keeps principals and clusters apart', () => {
    const causes = rootCauses([
      err('negative.fetch:acme.billing->globex', SASL),
      err('negative.produce:acme.billing->globex', SASL),
      err('negative.fetch:globex.api->acme', SASL),
      err('negative.produce:globex.api->acme', SASL),
      err('dedicated-tier.auth-refused:acme.billing@dedicated', SASL, { cluster: 'dedicated' }),
    ]);
    expect(causes.map((c) => [c.summary, c.checks.length])).toEqual([
      ['acme.billing cannot log in to shared: SASL_AUTHENTICATION_FAILED', 2],
      ['globex.api cannot log in to shared: SASL_AUTHENTICATION_FAILED', 2],
    ]);
  });

  it('groups other errors by their exact message, and leaves a lone error alone', () => {
    const missing = 'could not run: EnvironmentError: no SCRAM password for acme.billing in the secret source';
    const causes = rootCauses([
      err('negative.fetch:acme.billing->globex', missing),
      err('negative.produce:acme.billing->globex', missing),
      err('negative.metadata:acme.billing->globex', 'could not run: KafkaJSConnectionError: Connection refused'),
      result({ id: 'negative.list-offsets:acme.billing->globex', status: 'fail' }),
    ]);
    expect(causes).toHaveLength(1);
    expect(causes[0]!.summary).toBe(
      'acme.billing on shared: EnvironmentError: no SCRAM password for acme.billing in the secret source',
    );
  });

  it('puts checks that point at a result (cause) under that result, by its first clause', () => {
    const reachable = err(
      'conformance.reachable:shared',
      'cluster shared stopped answering (login and DescribeCluster as the admin: no answer within 5 s); 2 check(s) on it marked error without a decision: hint',
      { tenant: 'cluster:shared', category: 'conformance' },
    );
    const results = [
      reachable,
      err('negative.fetch:a.x->b', 'not run: cluster shared stopped answering (conformance.reachable:shared)', {
        cause: reachable.id,
      }),
      err('negative.fetch:b.y->a', 'abandoned: cluster shared stopped answering (conformance.reachable:shared)', {
        cause: reachable.id,
      }),
    ];
    const [c] = rootCauses(results);
    expect(c).toMatchObject({
      key: 'conformance.reachable:shared',
      result: 'conformance.reachable:shared',
      summary: 'cluster shared stopped answering (login and DescribeCluster as the admin: no answer within 5 s)',
      checks: ['negative.fetch:a.x->b', 'negative.fetch:b.y->a'],
    });
    // The explaining result carries the count itself: the checks it explains get no line of their own.
    expect(notable(results)).toEqual([{ result: reachable }]);
  });

  it('says what it can of a cause the report does not hold (progress sees results one at a time)', () => {
    const r = err('negative.fetch:a.x->b', 'not run: cluster shared stopped answering (conformance.reachable:shared)', {
      cause: 'conformance.reachable:shared',
    });
    expect(causeOf(r)?.summary).toBe('cluster shared stopped answering (conformance.reachable:shared)');
    expect(causeOf(result({ id: 'x:y', status: 'fail' }))).toBeUndefined();
  });
});

describe('notable', () => {
  it('lists what did not pass in report order, a cause once where its first check was', () => {
    const results = fleetResults();
    const items = notable(results).map((n) => ('cause' in n ? `cause ${n.cause.checks.length}` : n.result.id));
    expect(items).toEqual([
      'conformance.acls:acme-eu.writer',
      `cause ${results.filter((r) => r.status === 'error').length}`,
      'negative.fetch:acme-eu.writer->acme',
      'quota.enforced:bank.core',
    ]);
  });
});
