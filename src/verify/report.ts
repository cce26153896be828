/**
 * Turning results into things people and CI read: totals per tenant and category, the rows of the human tables,
 * Markdown for a pull request or a wiki, JUnit XML for CI, JSON for machines. Errors of one root cause are told
 * once (causes.ts); JSON and JUnit still list every check. Pure: no I/O, no clock.
 */
import { sortedKeys } from '../json';
import junit from 'junit-report-builder';
import { type RootCause, couldNotRun, notable, rootCauses } from './causes';
import type { CheckResult, Tally, VerificationReport, VerificationSummary } from './types';

const tally = (rs: readonly CheckResult[]): Tally => ({
  checks: rs.length,
  passed: rs.filter((r) => r.status === 'pass').length,
  failed: rs.filter((r) => r.status === 'fail').length,
  errors: rs.filter((r) => r.status === 'error').length,
  skipped: rs.filter((r) => r.status === 'skipped').length,
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

/** One line: `FAILED: 909 of 912 checks passed, 3 failed, 0 error(s), 5 skipped; 12 owner(s); 21.4 s wall time (…)`. */
export function headline(report: VerificationReport): string {
  const s = report.summary;
  const verdict = report.ok ? 'PASSED' : 'FAILED';
  const tenants = Object.keys(s.byTenant).length;
  const skipped = s.skipped ? `, ${s.skipped} skipped` : '';
  return `${verdict}: ${s.passed} of ${s.checks} checks passed, ${s.failed} failed, ${s.errors} error(s)${skipped}; ${tenants} owner(s); ${seconds(report.wallTimeMs)} wall time (environment ${report.environment}, run ${report.runId})`;
}

/** Headers of the per-tenant table, matching `tenantRows`. */
export const TENANT_COLUMNS = ['tenant', 'checks', 'passed', 'failed', 'errors', 'skipped'] as const;

/** Rows for the per-tenant table: tenant, checks, passed, failed, errors, skipped. */
export function tenantRows(report: VerificationReport): string[][] {
  return Object.entries(report.summary.byTenant).map(([tenant, t]) => [
    tenant,
    String(t.checks),
    String(t.passed),
    String(t.failed),
    String(t.errors),
    String(t.skipped ?? 0),
  ]);
}

/** The row of a root cause in a results table: status, checks, expected, observed (`… — 72 checks could not run`). */
function causeRow(c: RootCause): string[] {
  const more = c.checks.length > 1 ? ` and ${c.checks.length - 1} more` : '';
  return ['ERROR', `${c.checks[0]}${more}`, '(a decision)', couldNotRun(c)];
}

/**
 * Rows for the results table: status, check, expected, observed. Unless `all`: the checks that did not pass, and
 * the errors of one root cause as one row with their count (see causes.ts).
 */
export function resultRows(report: VerificationReport, all = false): string[][] {
  const row = (r: CheckResult) => [r.status.toUpperCase(), r.id, r.expected, r.observed];
  if (all) return report.results.map(row);
  return notable(report.results).map((n) => ('cause' in n ? causeRow(n.cause) : row(n.result)));
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');

export interface MarkdownOptions {
  /**
   * Where the SVG of the tenants × tenants matrices (`renderMatrixSvg`) is, relative to the Markdown file: shown as
   * an image under the totals. @default - no image
   */
  readonly matrixImage?: string;
}

export function renderMarkdown(report: VerificationReport, opts: MarkdownOptions = {}): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`# Isolation verification: ${report.ok ? 'passed' : 'FAILED'}`, '');
  lines.push(
    `Environment \`${report.environment}\`, run \`${report.runId}\` started ${report.startedAt}; ` +
      `${s.checks} checks in ${seconds(report.wallTimeMs)} wall time (concurrency ${report.concurrency}); ` +
      `${report.scope.length ? `scoped to ${report.scope.join(', ')}` : 'whole fleet'}; quotas ${report.quotasChecked ? 'checked' : 'not checked'}.`,
    '',
  );
  lines.push(`**${s.passed} passed, ${s.failed} failed, ${s.errors} error(s), ${s.skipped} skipped.**`, '');
  if (opts.matrixImage) {
    lines.push(
      `![tenants × tenants: the worst result of each (acting tenant, target tenant) pair per cluster](${opts.matrixImage})`,
      '',
    );
  }
  lines.push('| tenant | checks | passed | failed | errors | skipped |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of tenantRows(report)) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
  lines.push(
    '',
    '| category | checks | passed | failed | errors | skipped |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [c, t] of Object.entries(s.byCategory))
    lines.push(`| ${c} | ${t.checks} | ${t.passed} | ${t.failed} | ${t.errors} | ${t.skipped} |`);
  const bad = notable(report.results);
  if (bad.length > 0) {
    lines.push('', '## Failures, errors and skipped checks', '');
    lines.push('| status | check | expected | observed |', '| --- | --- | --- | --- |');
    for (const n of bad) {
      if ('cause' in n) {
        const [, checks, expected, observed] = causeRow(n.cause);
        lines.push(`| error | ${mdCell(checks!)} | ${mdCell(expected!)} | **${mdCell(observed!)}** |`);
      } else {
        const r = n.result;
        lines.push(`| ${r.status} | \`${mdCell(r.id)}\` | ${mdCell(r.expected)} | ${mdCell(r.observed)} |`);
      }
    }
    for (const n of bad) {
      if ('cause' in n) {
        const c = n.cause;
        lines.push('', `### ${mdCell(c.summary)}`, '', `${c.checks.length} check(s) could not run because of it.`, '');
        lines.push(
          '<details><summary>checks</summary>',
          '',
          c.checks.map((id) => `\`${id}\``).join(', '),
          '',
          '</details>',
        );
      } else if (n.result.details.length > 0) {
        const r = n.result;
        lines.push('', `### \`${r.id}\``, '', r.description, '', ...r.details.map((d) => `- ${d}`));
      }
    }
  }
  if (report.notes.length > 0) lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

/**
 * JUnit XML: one test suite per tenant, one test case per check (class name = category). A skipped check is a
 * `<skipped message="why"/>` case, counted in its suite's `skipped`.
 */
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
    else if (r.status === 'skipped') skipWithReason(tc, r.observed);
  }
  return builder.build();
}

type JunitCase = ReturnType<ReturnType<ReturnType<typeof junit.newBuilder>['testSuite']>['testCase']>;

/**
 * junit-report-builder 5 writes `<skipped/>` without attributes; the reason goes on the element as `message`, as
 * Surefire and every JUnit reader expect it.
 */
function skipWithReason(tc: JunitCase, reason: string): void {
  tc.skipped();
  const build = tc.build.bind(tc);
  tc.build = (parent) => {
    const element = build(parent);
    const skipped = element.children.find((c) => (c as { name?: unknown }).name === 'skipped');
    (skipped as typeof element | undefined)?.att('message', reason);
    return element;
  };
}

/**
 * Version of the JSON document `renderJson` writes. Adding a field keeps it; renaming, removing or changing the
 * meaning of one bumps it (docs/verification.md, "JSON").
 */
export const REPORT_JSON_VERSION = 1;

/** The JSON document: `version`, the report, and its root causes (`causes`), every object's keys sorted. */
export function reportDocument(report: VerificationReport): Record<string, unknown> {
  return sortedKeys({ version: REPORT_JSON_VERSION, ...report, causes: rootCauses(report.results) }) as Record<
    string,
    unknown
  >;
}

export function renderJson(report: VerificationReport): string {
  return JSON.stringify(reportDocument(report), null, 2) + '\n';
}
