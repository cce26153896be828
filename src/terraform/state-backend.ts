/**
 * What terraform needs from the process environment to reach a remote state backend, and a bounded check that
 * it answers before anything runs.
 *
 * `pg`: the environment names the variable holding the connection string (`state.connStrEnv`, default
 * KAFKA_TENANCY_PG_CONN_STR); terraform's pg backend reads it as PG_CONN_STR (and libpq's PG* variables, e.g.
 * PGPASSFILE, so the string itself need not carry a password). The string is never printed: messages name the
 * variable and the host and port only.
 */
import * as net from 'node:net';
import { EnvironmentError } from '../errors';
import type { Environment } from '../model/environment';

/** How long the reachability check waits for the database's TCP port. */
export const STATE_BACKEND_CHECK_TIMEOUT_MS = 10_000;

const LOCAL_HINT = 'local: eval "$(kafka-tenancy local state-db up)" starts one on 127.0.0.1 and prints the settings';

/** The connection string of a pg environment, or a clear error naming the backend and the variable. */
export function pgConnectionString(env: Environment, from: NodeJS.ProcessEnv = process.env): string {
  if (env.state.backend !== 'pg') throw new Error(`environment "${env.name}" does not keep its state in pg`);
  const name = env.state.connStrEnv;
  const value = from[name];
  if (!value?.trim()) {
    throw new EnvironmentError(
      `state backend pg (environment "${env.name}"): ${name} is not set; it holds the PostgreSQL connection string terraform keeps the state with`,
      `export ${name}=postgres://USER@HOST:PORT/DB (a password in a PGPASSFILE rather than in the string); ${LOCAL_HINT}`,
    );
  }
  return value;
}

/**
 * Variables the environment's state backend needs in terraform's environment: `PG_CONN_STR` for pg, nothing for
 * the others (s3 takes AWS credentials the usual way).
 */
export function stateBackendEnv(env: Environment, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.state.backend === 'pg' ? { PG_CONN_STR: pgConnectionString(env, from) } : {};
}

/**
 * Hand the backend's variables to every terraform this process starts (they inherit process.env). Called by the
 * commands that run terraform, at the CLI boundary; `synth` and `validate` never need the database.
 */
export function exportStateBackendEnv(env: Environment): void {
  Object.assign(process.env, stateBackendEnv(env));
}

export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly database?: string;
  readonly user?: string;
}

/**
 * Host, port, database and user of a libpq connection string (`postgres://` URL or `key=value` words), with
 * libpq's defaults (PGHOST, PGPORT, else localhost:5432). Never the password.
 */
export function pgTarget(connStr: string, from: NodeJS.ProcessEnv = process.env): PgTarget {
  const fallbackHost = from.PGHOST || 'localhost';
  const fallbackPort = Number(from.PGPORT || 5432);
  const s = connStr.trim();
  if (/^postgres(ql)?:\/\//.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new EnvironmentError('the PostgreSQL connection string is not a valid postgres:// URL');
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
    return {
      host: url.hostname.replace(/^\[|\]$/g, '') || url.searchParams.get('host') || fallbackHost,
      port: Number(url.port || url.searchParams.get('port') || fallbackPort),
      database,
      user: decodeURIComponent(url.username) || undefined,
    };
  }
  const words = new Map<string, string>();
  for (const m of s.matchAll(/(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/g)) {
    words.set(m[1]!, m[2]!.replace(/^'|'$/g, '').replace(/\\(.)/g, '$1'));
  }
  return {
    host: words.get('host') || fallbackHost,
    port: Number(words.get('port') || fallbackPort),
    database: words.get('dbname'),
    user: words.get('user'),
  };
}

function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem?: string) => {
      socket.destroy();
      clearTimeout(timer);
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no answer within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    socket.once('connect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/**
 * Before the first terraform run: the state database accepts connections (a TCP connect, bounded), or the run
 * stops with nothing changed. Logging in is terraform's business (its error names the cause); this catches the
 * common case, a database that is not there, in seconds and in words.
 */
export async function checkStateBackend(
  env: Environment,
  from: NodeJS.ProcessEnv = process.env,
  timeoutMs = STATE_BACKEND_CHECK_TIMEOUT_MS,
): Promise<void> {
  if (env.state.backend !== 'pg') return;
  const target = pgTarget(pgConnectionString(env, from), from);
  if (target.host.startsWith('/')) return; // a Unix socket folder: terraform's lib/pq cannot use it anyway
  const problem = await tcpAnswers(target.host, target.port, timeoutMs);
  if (problem === undefined) return;
  throw new EnvironmentError(
    `state backend pg (environment "${env.name}"): the database at ${target.host}:${target.port} from ${env.state.connStrEnv} does not answer (${problem}); nothing was changed`,
    `start it or point ${env.state.connStrEnv} at a reachable PostgreSQL; ${LOCAL_HINT}`,
  );
}
