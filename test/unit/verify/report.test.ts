import {
  headline,
  renderJson,
  renderJunit,
  renderMarkdown,
  resultRows,
  summarize,
  tenantRows,
} from '../../../src/verify/report';
import { report, result } from './fixtures';

const results = [
  result({ id: 'negative.produce:acme.billing->globex', status: 'pass' }),
  result({
    id: 'negative.fetch:acme.billing->globex',
    status: 'fail',
    expected: 'TOPIC_AUTHORIZATION_FAILED',
    observed: 'success (1 record(s) fetched)',
    details: ['fetch globex.payments: success (1 record(s) fetched)'],
  }),
  result({
    id: 'positive.produce:globex.api->globex.payments',
    tenant: 'globex',
    category: 'positive',
    status: 'pass',
  }),
  result({
    id: 'quota.enforced:globex.api',
    tenant: 'globex',
    category: 'quota',
    status: 'error',
    expected: '(a decision)',
    observed: 'could not run: KafkaJSConnectionError: Connection refused',
  }),
];

describe('summarize', () => {
  it('counts checks, passes, failures and errors per tenant and per category', () => {
    const s = summarize(results);
    expect(s).toMatchObject({ checks: 4, passed: 2, failed: 1, errors: 1 });
    expect(s.byTenant).toEqual({
      acme: { checks: 2, passed: 1, failed: 1, errors: 0 },
      globex: { checks: 2, passed: 1, failed: 0, errors: 1 },
    });
    expect(Object.keys(s.byCategory)).toEqual(['negative', 'positive', 'quota']);
  });
});

describe('human rows', () => {
  it('lists only the checks that did not pass, with expected and observed', () => {
    expect(resultRows(report(results))).toEqual([
      ['FAIL', 'negative.fetch:acme.billing->globex', 'TOPIC_AUTHORIZATION_FAILED', 'success (1 record(s) fetched)'],
      [
        'ERROR',
        'quota.enforced:globex.api',
        '(a decision)',
        'could not run: KafkaJSConnectionError: Connection refused',
      ],
    ]);
    expect(resultRows(report(results), true)).toHaveLength(4);
  });

  it('gives one row per tenant with its number of checks', () => {
    expect(tenantRows(report(results))).toEqual([
      ['acme', '2', '1', '1', '0'],
      ['globex', '2', '1', '0', '1'],
    ]);
  });

  it('says FAILED with the totals and the wall time', () => {
    expect(headline(report(results))).toBe(
      'FAILED: 2 of 4 checks passed, 1 failed, 1 error(s); 2 owner(s); 4.3 s wall time (environment local, run abcd1234)',
    );
  });
});

describe('renderMarkdown', () => {
  it('summarises a passing run without a failures section', () => {
    const md = renderMarkdown(report(results.filter((r) => r.status === 'pass')));
    expect(md).toContain('# Isolation verification: passed');
    expect(md).toContain('2 checks in 4.3 s wall time');
    expect(md).toContain('| acme | 1 | 1 | 0 | 0 |');
    expect(md).not.toContain('## Failures');
  });

  it('lists every failure and error with expected, observed and the evidence, and the notes', () => {
    const md = renderMarkdown(report(results));
    expect(md).toContain('# Isolation verification: FAILED');
    expect(md).toContain(
      '| fail | `negative.fetch:acme.billing->globex` | TOPIC_AUTHORIZATION_FAILED | success (1 record(s) fetched) |',
    );
    expect(md).toContain('| error | `quota.enforced:globex.api` |');
    expect(md).toContain('- fetch globex.payments: success (1 record(s) fetched)');
    expect(md).toContain('## Notes\n\n- cross-tenant pairs: all 2 ordered tenant pairs');
  });

  it('escapes table separators in observed values', () => {
    const md = renderMarkdown(report([result({ id: 'x', status: 'fail', observed: 'a | b' })]));
    expect(md).toContain('a \\| b');
  });
});

describe('renderJunit', () => {
  const xml = renderJunit(report(results));

  it('has one suite per tenant and one case per check, with totals', () => {
    expect(xml).toContain('<testsuites name="kafka-tenancy verify (local)" tests="4" failures="1" errors="1"');
    expect(xml).toContain('<testsuite name="acme" tests="2" failures="1" errors="0"');
    expect(xml).toContain(
      '<testcase classname="kafka-tenancy.verify.positive" name="positive.produce:globex.api->globex.payments" time="0.012"/>',
    );
  });

  it('reports a failed check as a failure and a check that could not run as an error', () => {
    expect(xml).toMatch(
      /<failure message="expected TOPIC_AUTHORIZATION_FAILED; observed success \(1 record\(s\) fetched\)" type="negative"/,
    );
    expect(xml).toMatch(
      /<error message="expected \(a decision\); observed could not run: KafkaJSConnectionError: Connection refused" type="quota"/,
    );
  });

  it('is the same for the same report (no global builder state)', () => {
    expect(renderJunit(report(results))).toBe(xml);
  });
});

describe('renderJson', () => {
  it('round-trips the report', () => {
    const r = report(results);
    expect(JSON.parse(renderJson(r))).toEqual(JSON.parse(JSON.stringify(r)));
  });
});
