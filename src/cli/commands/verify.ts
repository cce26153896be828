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
import { writeArgFile } from '../files';
import { diag, table } from '../output';
import { projectModel, withProjectOptions, type ProjectOptions } from './project-options';

interface VerifyCliOptions extends ProjectOptions {
  readonly tenants?: string[];
  readonly json?: boolean;
  readonly junit?: string;
  readonly markdown?: string;
  readonly concurrency: number;
  readonly skipQuotas?: boolean;
  readonly seed: string;
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

/** Progress on stderr: a bar on a terminal, otherwise a line per phase, per failure and per tenth of the run. */
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
        if (e.result && e.result.status !== 'pass') failed++;
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
  return {
    onProgress: (e) => {
      if (!e.result) {
        diag(`verify: ${e.phase} phase (${e.total} checks planned so far)`);
        return;
      }
      if (e.result.status !== 'pass')
        diag(`verify: ${e.result.status.toUpperCase()} ${e.result.id}: ${e.result.observed}`);
      const tenth = Math.floor((10 * e.done) / Math.max(1, e.total));
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        diag(`verify: ${e.done}/${e.total} checks done`);
      }
    },
    stop: () => undefined,
  };
}

function writeFile(file: string, content: string): void {
  writeArgFile(file, content);
  diag(`wrote ${file}`);
}

function printHuman(report: VerificationReport, all: boolean): void {
  const perTenant = table(['tenant', 'checks', 'passed', 'failed', 'errors']);
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
        'prove isolation on the live clusters: connect as every tenant principal and check what it can and cannot do (exit 1 unless every check passes)',
      )
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy verify --env local --junit reports/verify.xml\n  kafka-tenancy verify --tenants acme,globex --skip-quotas\n',
      )
      .option(
        '--tenants <ids>',
        'only checks in which these tenants (comma separated; "platform" too) act or are the target',
        list,
      )
      .option('--json', 'print the report as JSON on stdout instead of tables')
      .option('--junit <file>', 'also write JUnit XML (one test case per check)')
      .option('--markdown <file>', 'also write a Markdown summary')
      .option('--concurrency <n>', 'checks running at once', positiveInt, DEFAULT_CONCURRENCY)
      .option('--skip-quotas', 'do not probe quotas (they need a few MB of produce traffic and some seconds)')
      .option('--seed <seed>', 'seed of the tenant-pair sample for fleets over 50 tenants per cluster', DEFAULT_SEED)
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
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }
    if (o.json) process.stdout.write(renderJson(report));
    else printHuman(report, Boolean(o.all));
    if (o.junit) writeFile(o.junit, renderJunit(report));
    if (o.markdown) writeFile(o.markdown, renderMarkdown(report));
    if (!report.ok) {
      const s = report.summary;
      throw new CheckFailed(
        `verification failed: ${s.failed} check(s) failed and ${s.errors} could not run, of ${s.checks}`,
      );
    }
    if (o.json) diag(headline(report));
  });
}
