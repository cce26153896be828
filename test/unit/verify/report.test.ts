import {
  headline,
  renderJson,
  renderJunit,
  renderMarkdown,
  resultRows,
  summarize,
  tenantRows,
} from '../../../src/verify/report';
import { REPORT_JSON_VERSION } from '../../../src/verify/report';
import { fleetReport } from './fleet-report';
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
    expect(s).toMatchObject({ checks: 4, passed: 2, failed: 1, errors: 1, skipped: 0 });
    expect(s.byTenant).toEqual({
      acme: { checks: 2, passed: 1, failed: 1, errors: 0, skipped: 0 },
      globex: { checks: 2, passed: 1, failed: 0, errors: 1, skipped: 0 },
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
      ['acme', '2', '1', '1', '0', '0'],
      ['globex', '2', '1', '0', '1', '0'],
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
  it('holds the whole report, every result included, with a version and the root causes', () => {
    const r = report(results);
    const doc = JSON.parse(renderJson(r)) as Record<string, unknown>;
    const { version, causes, ...rest } = doc;
    expect(version).toBe(REPORT_JSON_VERSION);
    expect(causes).toEqual([]);
    expect(rest).toEqual(JSON.parse(JSON.stringify(r)));
    expect((doc.results as unknown[]).length).toBe(4);
  });

  it('sorts the keys of every object, so two runs diff line by line', () => {
    const json = renderJson(report(results));
    const keyOrderSorted = (v: unknown): boolean => {
      if (Array.isArray(v)) return v.every(keyOrderSorted);
      if (v === null || typeof v !== 'object') return true;
      const keys = Object.keys(v);
      return keys.join('\n') === [...keys].sort().join('\n') && Object.values(v).every(keyOrderSorted);
    };
    expect(keyOrderSorted(JSON.parse(json))).toBe(true);
    expect(json.indexOf('"concurrency"')).toBeLessThan(json.indexOf('"environment"'));
  });

  it('lists the root causes of the errors with their checks', () => {
    const doc = JSON.parse(renderJson(fleetReport())) as { causes: Array<{ summary: string; checks: string[] }> };
    expect(doc.causes).toHaveLength(1);
    expect(doc.causes[0]!.summary).toBe('acme.billing cannot log in to shared: SASL_AUTHENTICATION_FAILED');
    expect(doc.causes[0]!.checks.length).toBeGreaterThan(10);
  });
});

describe('skipped checks', () => {
  const withSkip = [
    ...results,
    result({
      id: 'quota.enforced:globex.big',
      tenant: 'globex',
      category: 'quota',
      status: 'skipped',
      expected: 'throttled within 37.5 MiB',
      observed: 'not probed: a burst would need 37.5 MiB, over the 8.0 MiB budget',
    }),
  ];

  it('are counted apart and do not fail a run', () => {
    const s = summarize(withSkip);
    expect(s).toMatchObject({ checks: 5, passed: 2, failed: 1, errors: 1, skipped: 1 });
    expect(s.byCategory.quota).toEqual({ checks: 2, passed: 0, failed: 0, errors: 1, skipped: 1 });
  });

  it('are listed in the table with their reason', () => {
    expect(resultRows(report(withSkip))).toContainEqual([
      'SKIPPED',
      'quota.enforced:globex.big',
      'throttled within 37.5 MiB',
      'not probed: a burst would need 37.5 MiB, over the 8.0 MiB budget',
    ]);
  });

  it('are JUnit <skipped> cases with the reason, counted in the suite', () => {
    const xml = renderJunit(report(withSkip));
    expect(xml).toContain('<testsuite name="globex" tests="3" failures="0" errors="1" skipped="1"');
    expect(xml).toMatch(
      /<testcase classname="kafka-tenancy.verify.quota" name="quota.enforced:globex.big" time="0.012">\s*<skipped message="not probed: a burst would need 37.5 MiB, over the 8.0 MiB budget"\/>/,
    );
    expect(xml).toMatch(/<testsuites [^>]*skipped="1"/);
  });

  it('are a column of the Markdown tables', () => {
    const md = renderMarkdown(report(withSkip));
    expect(md).toContain('1 skipped.**');
    expect(md).toContain('| globex | 3 | 1 | 0 | 1 | 1 |');
    expect(md).toContain('| skipped | `quota.enforced:globex.big` |');
  });
});

describe('errors of one root cause', () => {
  const fleet = fleetReport();
  const lost = fleet.results.filter((r) => r.status === 'error');

  it('are one row with the count, the failing pair keeps its own', () => {
    const rows = resultRows(fleet);
    const cause = rows.filter((r) => r[0] === 'ERROR');
    expect(cause).toEqual([
      [
        'ERROR',
        `${lost[0]!.id} and ${lost.length - 1} more`,
        '(a decision)',
        `acme.billing cannot log in to shared: SASL_AUTHENTICATION_FAILED — ${lost.length} checks could not run`,
      ],
    ]);
    expect(rows.map((r) => r[1])).toContain('negative.fetch:acme-eu.writer->acme');
    expect(resultRows(fleet, true)).toHaveLength(fleet.results.length);
  });

  it('are one line of the Markdown report, their checks folded away', () => {
    const md = renderMarkdown(fleet);
    expect(md.match(/cannot log in to shared/g)).toHaveLength(2); // the table row and its section
    expect(md).toContain(`— ${lost.length} checks could not run**`);
    expect(md).toContain('<details><summary>checks</summary>');
    // The table row, its section's heading and the folded list of its checks: three lines, not one per check.
    expect(md.split('\n').filter((l) => l.includes('acme.billing'))).toHaveLength(3);
  });

  it('stay one JUnit case each', () => {
    expect(renderJunit(fleet).match(/<error /g)).toHaveLength(lost.length);
  });
});

describe('renderMarkdown with the matrix image', () => {
  it('shows the SVG next to it under the totals', () => {
    const md = renderMarkdown(fleetReport(), { matrixImage: 'verify-matrix.svg' });
    expect(md).toMatch(/\*\*\n\n!\[tenants × tenants[^\]]*\]\(verify-matrix\.svg\)\n/);
  });
});
