/**
 * The copier as a process of its own, started detached by the CLI: `node dist/src/migration/copier-main.js
 * <config.json>`.
 *
 * The config names the environment and the project root, never a secret; the admin password comes from the
 * environment's secret source. Progress goes to `<statusDir>/copier-status.json` (written atomically: a reader never
 * sees half a file) or, without `statusDir`, as JSON lines to stdout. SIGTERM/SIGINT stop it cleanly: the batch in
 * flight commits or aborts, the status says `stopped`, exit code 0. A failed run is retried in-process (bounded,
 * with back-off; resuming is always safe, see copier.ts); exit code 1 once the retries are used up.
 *
 * ```json
 * { "environment": "local", "projectRoot": "/srv/kafka-tenancy", "tenant": "acme",
 *   "routes": [{ "source": "shared.orders.placed", "target": "acme.orders.placed", "targetPartitions": 6 }],
 *   "statusDir": "/srv/kafka-tenancy/.local/migration/acme" }
 * ```
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { type Problem, ValidationError, formatProblem } from '../errors';
import { loadEnvironment } from '../model/environment';
import { formatPath } from '../model/zod-problems';
import { clusterEndpoint } from '../platform/connection';
import { adminCredentials } from '../platform/identities';
import { secretSourceFor } from '../secrets';
import { type CopyProgress, copyTenantRecords, routeProblems } from './copier';

const ConfigSchema = z.strictObject({
  environment: z.string().min(1),
  projectRoot: z.string().min(1),
  tenant: z.string().min(1),
  /** @default the environment's sharedCluster */
  cluster: z.string().min(1).optional(),
  routes: z
    .array(
      z.strictObject({
        source: z.string().min(1),
        target: z.string().min(1),
        targetPartitions: z.number().int().min(1),
      }),
    )
    .min(1),
  /** @default 'follow' */
  mode: z.enum(['follow', 'until-caught-up']).optional(),
  /** @default - JSON lines on stdout */
  statusDir: z.string().min(1).optional(),
  /** @default 524288 */
  maxBytesPerPartition: z.number().int().min(1024).optional(),
  /** Consecutive failed runs before giving up. @default 5 */
  maxRestarts: z.number().int().min(0).max(100).optional(),
});

export type CopierConfig = z.infer<typeof ConfigSchema>;

export const STATUS_FILE = 'copier-status.json';

/** Parse and check a copier config file; ValidationError with every problem. */
export function readCopierConfig(file: string): CopierConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ValidationError([
      { file, path: '', code: 'unreadable', message: `cannot read it as JSON: ${(e as Error).message}` },
    ]);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((i): Problem => ({
        file,
        path: formatPath(i.path),
        code: i.code,
        message: i.message.toLowerCase(),
      })),
    );
  }
  const problems = routeProblems(parsed.data.tenant, parsed.data.routes, file);
  if (problems.length) throw new ValidationError(problems);
  return parsed.data;
}

export interface CopierStatus {
  readonly pid: number;
  readonly state: 'starting' | 'copying' | 'caught-up' | 'stopped' | 'restarting' | 'failed';
  /** Runs that failed and were retried in this process. */
  readonly restarts: number;
  readonly error?: string;
  readonly progress?: CopyProgress;
  readonly updatedAt: string;
}

/** Write `<dir>/copier-status.json` atomically (temp file + rename). */
export function writeStatusFile(dir: string, status: CopierStatus): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, STATUS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

async function main(argv: readonly string[]): Promise<number> {
  const configFile = argv[0];
  if (!configFile || argv.length > 1) {
    process.stderr.write('usage: node dist/src/migration/copier-main.js <config.json>\n');
    return 2;
  }
  let config: CopierConfig;
  try {
    config = readCopierConfig(configFile);
  } catch (e) {
    if (e instanceof ValidationError) {
      process.stderr.write(`${e.problems.map(formatProblem).join('\n')}\n`);
      return 2;
    }
    throw e;
  }
  const env = loadEnvironment(config.environment, config.projectRoot);
  const cluster = config.cluster ?? env.sharedCluster;
  const secrets = secretSourceFor(env);
  const endpoint = clusterEndpoint(env, cluster, secrets);
  const credentials = adminCredentials(secrets, cluster);

  const stop = new AbortController();
  let forced: NodeJS.Timeout | undefined;
  const onSignal = (sig: string) => {
    if (stop.signal.aborted) return;
    process.stderr.write(`copier: ${sig}, stopping after the batch in flight\n`);
    stop.abort();
    // the clean stop has deadlines of its own; this only guarantees the process ends
    forced = setTimeout(() => process.exit(1), 120_000);
    forced.unref();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  let restarts = 0;
  let lastWrite = 0;
  let last: CopyProgress | undefined;
  const emit = (state: CopierStatus['state'], progress = last, error?: string, force = false) => {
    const now = Date.now();
    if (!force && now - lastWrite < 100) return;
    lastWrite = now;
    const status: CopierStatus = {
      pid: process.pid,
      state,
      restarts,
      ...(error ? { error } : {}),
      ...(progress ? { progress } : {}),
      updatedAt: new Date().toISOString(),
    };
    if (config.statusDir) writeStatusFile(config.statusDir, status);
    else process.stdout.write(`${JSON.stringify(status)}\n`);
  };
  emit('starting', undefined, undefined, true);

  const maxRestarts = config.maxRestarts ?? 5;
  let failures = 0;
  for (;;) {
    let progressed = false;
    try {
      last = await copyTenantRecords(
        {
          endpoint,
          credentials,
          tenantId: config.tenant,
          routes: config.routes,
          mode: config.mode ?? 'follow',
          maxBytesPerPartition: config.maxBytesPerPartition,
          onProgress: (p) => {
            // a state change is always written; progress within a state at most every 100 ms
            const changed = p.state !== last?.state || p.suspicious !== last?.suspicious;
            if (p.transactions > 0) progressed = true;
            last = p;
            emit(p.state, p, undefined, changed);
          },
        },
        stop.signal,
      );
      emit(last.state, last, undefined, true);
      if (forced) clearTimeout(forced);
      return 0;
    } catch (e) {
      // kafkajs errors carry broker answers and coordinates, never the SASL password
      const message = e instanceof Error ? e.message : String(e);
      // only consecutive failures count: a run that committed something made progress
      if (progressed) failures = 0;
      failures++;
      if (stop.signal.aborted || failures > maxRestarts) {
        emit('failed', last, message, true);
        process.stderr.write(`copier: ${message}\n`);
        return 1;
      }
      restarts++;
      emit('restarting', last, message, true);
      await sleep(Math.min(30_000, 1000 * 2 ** (failures - 1)), stop.signal);
      if (stop.signal.aborted) {
        emit('stopped', last, undefined, true);
        return 0;
      }
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`copier: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
