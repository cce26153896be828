/**
 * Turning results into things people and CI read: totals per tenant and category, the rows of the human tables,
 * Markdown for a pull request or a wiki, JUnit XML for CI, JSON for machines. Pure: no I/O, no clock.
 */
import junit from 'junit-report-builder';
import type { CheckResult, Tally, VerificationReport, VerificationSummary } from './types';

const tally = (rs: readonly CheckResult[]): Tally => ({
  checks: rs.length,
  passed: rs.filter((r) => r.status === 'pass').length,
  failed: rs.filter((r) => r.status === 'fail').length,
  errors: rs.filter((r) => r.status === 'error').length,
});

function groupBy(rs: readonly CheckResult[], key: (r: CheckResult) => string): Record<string, Tally> {
  const groups = new Map<string, CheckResult[]>();
  for (const r of rs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, tally(groups.get(k)!)]));
}

export function summarize(results: readonly CheckResult[]): VerificationSummary {
  return {
    ...tally(results),
    byTenant: groupBy(results, (r) => r.tenant),
    byCategory: groupBy(results, (r) => r.category),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line: `FAILED: 3 of 912 checks failed, 0 errors, 12 tenants, 21.4 s`. */
export function headline(report: VerificationReport): string {
  const s = report.summary;
  const verdict = report.ok ? 'PASSED' : 'FAILED';
  const tenants = Object.keys(s.byTenant).length;
  return `${verdict}: ${s.passed} of ${s.checks} checks passed, ${s.failed} failed, ${s.errors} error(s); ${tenants} owner(s); ${seconds(report.wallTimeMs)} wall time (environment ${report.environment}, run ${report.runId})`;
}

/** Rows for the per-tenant table: tenant, checks, passed, failed, errors. */
export function tenantRows(report: VerificationReport): string[][] {
  return Object.entries(report.summary.byTenant).map(([tenant, t]) => [
    tenant,
    String(t.checks),
    String(t.passed),
    String(t.failed),
    String(t.errors),
  ]);
}

/**
 * Results worth a line of their own: not passing, and not merely a consequence of another result of the report
 * (the checks of a cluster that stopped answering are counted in that cluster's result).
 */
function notable(report: VerificationReport): CheckResult[] {
  const ids = new Set(report.results.map((r) => r.id));
  return report.results.filter((r) => r.status !== 'pass' && !(r.cause && ids.has(r.cause)));
}

/** Rows for the results table: status, check, expected, observed. Non-passing only (each cause once) unless `all`. */
export function resultRows(report: VerificationReport, all = false): string[][] {
  return (all ? report.results : notable(report)).map((r) => [r.status.toUpperCase(), r.id, r.expected, r.observed]);
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');

export function renderMarkdown(report: VerificationReport): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`# Isolation verification: ${report.ok ? 'passed' : 'FAILED'}`, '');
  lines.push(
    `Environment \`${report.environment}\`, run \`${report.runId}\` started ${report.startedAt}; ` +
      `${s.checks} checks in ${seconds(report.wallTimeMs)} wall time (concurrency ${report.concurrency}); ` +
      `${report.scope.length ? `scoped to ${report.scope.join(', ')}` : 'whole fleet'}; quotas ${report.quotasChecked ? 'checked' : 'not checked'}.`,
    '',
  );
  lines.push(`**${s.passed} passed, ${s.failed} failed, ${s.errors} error(s).**`, '');
  lines.push('| tenant | checks | passed | failed | errors |', '| --- | ---: | ---: | ---: | ---: |');
  for (const row of tenantRows(report)) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
  lines.push('', '| category | checks | passed | failed | errors |', '| --- | ---: | ---: | ---: | ---: |');
  for (const [c, t] of Object.entries(s.byCategory))
    lines.push(`| ${c} | ${t.checks} | ${t.passed} | ${t.failed} | ${t.errors} |`);
  const bad = notable(report);
  if (bad.length > 0) {
    lines.push('', '## Failures and errors', '');
    lines.push('| status | check | expected | observed |', '| --- | --- | --- | --- |');
    for (const r of bad)
      lines.push(`| ${r.status} | \`${mdCell(r.id)}\` | ${mdCell(r.expected)} | ${mdCell(r.observed)} |`);
    for (const r of bad.filter((x) => x.details.length > 0)) {
      lines.push('', `### \`${r.id}\``, '', r.description, '', ...r.details.map((d) => `- ${d}`));
    }
  }
  if (report.notes.length > 0) lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

/** JUnit XML: one test suite per tenant, one test case per check (class name = category). */
export function renderJunit(report: VerificationReport): string {
  const builder = junit.newBuilder();
  builder.name(`kafka-tenancy verify (${report.environment})`);
  const suites = new Map<string, ReturnType<typeof builder.testSuite>>();
  for (const r of report.results) {
    let suite = suites.get(r.tenant);
    if (!suite) {
      suite = builder.testSuite().name(r.tenant);
      suites.set(r.tenant, suite);
    }
    const tc = suite
      .testCase()
      .className(`kafka-tenancy.verify.${r.category}`)
      .name(r.id)
      .time(r.durationMs / 1000);
    const message = `expected ${r.expected}; observed ${r.observed}`;
    const body = [r.description, ...r.details].join('\n');
    if (r.status === 'fail') tc.failure(message, r.category).stacktrace(body);
    else if (r.status === 'error') tc.error(message, r.category, body);
  }
  return builder.build();
}

export function renderJson(report: VerificationReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
