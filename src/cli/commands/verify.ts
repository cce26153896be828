import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { SingleBar } from 'cli-progress';
import { CheckFailed } from '../../errors';
import {
  type ProgressEvent,
  type VerificationReport,
  DEFAULT_CONCURRENCY,
  DEFAULT_SEED,
  headline,
  renderJson,
  renderJunit,
  renderMarkdown,
  resultRows,
  runVerification,
  tenantRows,
} from '../../verify';
import { causeOf } from '../../verify/causes';
import { DEFAULT_TARGETS_PER_TENANT } from '../../verify/pairs';
import { renderHtml } from '../../verify/html';
import { TENANT_COLUMNS } from '../../verify/report';
import { renderMatrixSvg } from '../../verify/svg';
import { writeArgFile } from '../files';
import { diag, table } from '../output';
import { projectModel, withProjectOptions, type ProjectOptions } from './project-options';

interface VerifyCliOptions extends ProjectOptions {
  readonly tenants?: string[];
  readonly json?: boolean;
  readonly junit?: string;
  readonly markdown?: string;
  readonly html?: string;
  readonly concurrency: number;
  readonly skipQuotas?: boolean;
  readonly seed: string;
  readonly exhaustive?: boolean;
  readonly all?: boolean;
}

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};

const list = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/**
 * Progress on stderr: a bar on a terminal, otherwise a line per phase, per failure and per tenth of the run. Errors
 * of one root cause (one lost credential, a cluster that stopped answering) get one line when the first arrives and
 * one with the count at the end, not one per check.
 */
function progressReporter(): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'verify {phase} [{bar}] {value}/{total} checks | {failed} failed | {id}',
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    let failed = 0;
    return {
      onProgress: (e) => {
        if (e.result?.status === 'fail' || e.result?.status === 'error') failed++;
        const payload = { phase: e.phase, failed, id: e.result?.id ?? '' };
        if (!started) {
          bar.start(e.total, e.done, payload);
          started = true;
        } else {
          bar.setTotal(e.total);
          bar.update(e.done, payload);
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastTenth = -1;
  const causes = new Map<string, { summary: string; count: number }>();
  return {
    onProgress: (e) => {
      if (!e.result) {
        diag(`verify: ${e.phase} phase (${e.total} checks planned so far)`);
        return;
      }
      const cause = causeOf(e.result);
      const seen = cause && causes.get(cause.key);
      if (cause) causes.set(cause.key, { summary: cause.summary, count: (seen ? seen.count : 0) + 1 });
      if (seen) {
        // Said once already; counted for the line at the end.
      } else if (e.result.status !== 'pass') {
        diag(`verify: ${e.result.status.toUpperCase()} ${e.result.id}: ${e.result.observed}`);
      }
      const tenth = Math.floor((10 * e.done) / Math.max(1, e.total));
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        diag(`verify: ${e.done}/${e.total} checks done`);
      }
    },
    stop: () => {
      for (const c of causes.values()) {
        if (c.count > 1) diag(`verify: ERROR ${c.summary} — ${c.count} checks could not run`);
      }
    },
  };
}

/** `reports/verify.md` → `reports/verify-matrix.svg`: the matrix image lives next to the Markdown that shows it. */
export function matrixSvgPath(markdownFile: string): string {
  const ext = path.extname(markdownFile);
  return path.join(path.dirname(markdownFile), `${path.basename(markdownFile, ext)}-matrix.svg`);
}

function writeFile(file: string, content: string): void {
  writeArgFile(file, content);
  diag(`wrote ${file}`);
}

function printHuman(report: VerificationReport, all: boolean): void {
  const perTenant = table([...TENANT_COLUMNS]);
  tenantRows(report).forEach((r) => perTenant.push(r));
  process.stdout.write(perTenant.toString() + '\n');
  const rows = resultRows(report, all);
  if (rows.length > 0) {
    const results = table(['status', 'check', 'expected', 'observed']);
    rows.forEach((r) => results.push(r));
    process.stdout.write(results.toString() + '\n');
  }
  for (const n of report.notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(headline(report) + '\n');
}

export function verifyCommand(): Command {
  return withProjectOptions(
    new Command('verify')
      .description(
        'prove isolation on the live clusters: connect as every tenant principal and check what it can and cannot do (exit 1 if a check failed or could not run)',
      )
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy verify --env local --junit reports/verify.xml --html reports/verify.html\n  kafka-tenancy verify --tenants acme,globex --skip-quotas\n  kafka-tenancy verify --exhaustive   # probe every ordered tenant pair, not a constant number per tenant\n',
      )
      .option(
        '--tenants <ids>',
        'only checks in which these tenants (comma separated; "platform" too) act or are the target',
        list,
      )
      .option('--json', 'print the report as JSON on stdout instead of tables')
      .option('--junit <file>', 'also write JUnit XML (one test case per check)')
      .option(
        '--markdown <file>',
        'also write a Markdown summary, and the tenants × tenants matrix as <name>-matrix.svg next to it',
      )
      .option('--html <file>', 'also write a self-contained HTML report (matrix per cluster, quotas, conformance)')
      .option('--concurrency <n>', 'checks running at once', positiveInt, DEFAULT_CONCURRENCY)
      .option('--skip-quotas', 'do not probe quotas (they need a few MB of produce traffic and some seconds)')
      .option(
        '--seed <seed>',
        `seed of the probed tenant pairs: each tenant probes ${DEFAULT_TARGETS_PER_TENANT} seeded tenants of its cluster (and every tenant whose id shares a prefix with its own); denial across every pair is proven from the live ACLs`,
        DEFAULT_SEED,
      )
      .option(
        '--exhaustive',
        'probe every ordered pair of tenants on a cluster (O(N²) checks) instead of the seeded sample',
      )
      .option('--all', 'list every check in the table, not only failures'),
  ).action(async (o: VerifyCliOptions) => {
    const model = projectModel(o);
    const progress = progressReporter();
    let report: VerificationReport;
    try {
      report = await runVerification({
        model,
        tenants: o.tenants,
        concurrency: o.concurrency,
        skipQuotas: o.skipQuotas,
        seed: o.seed,
        exhaustive: o.exhaustive,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }
    if (o.json) process.stdout.write(renderJson(report));
    else printHuman(report, Boolean(o.all));
    if (o.junit) writeFile(o.junit, renderJunit(report));
    if (o.markdown) {
      const svg = matrixSvgPath(o.markdown);
      writeFile(svg, renderMatrixSvg(report));
      writeFile(o.markdown, renderMarkdown(report, { matrixImage: path.basename(svg) }));
    }
    if (o.html) writeFile(o.html, renderHtml(report));
    if (!report.ok) {
      const s = report.summary;
      throw new CheckFailed(
        `verification failed: ${s.failed} check(s) failed and ${s.errors} could not run, of ${s.checks}`,
      );
    }
    if (o.json) diag(headline(report));
  });
}
