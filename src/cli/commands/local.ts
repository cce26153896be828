import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';

import { loadEnvironment } from '../../model/environment';
import { down, reset, status, up } from '../../local/cluster';
import { ensureKafkaLibs } from '../../local/kafka-runtime';
import {
  connectionEnv,
  DEFAULT_STATE_DB_PORT,
  stateDb,
  stateDbDown,
  stateDbReset,
  stateDbStatus,
  stateDbUp,
  type StateDbStatus,
} from '../../local/state-db';
import { exportLines } from './tf-env';
import { ensureCliConfig, ensureProvider, ensureTerraformCli } from '../../toolchain/toolchain';
import { diag, table } from '../output';
import { projectRoot } from '../../paths';
import { envOption } from './project-options';

interface LocalOptions {
  readonly env: string;
  readonly root: string;
}

/** `--root`: the project root whose environments/ folder names the clusters (ports, local settings). */
const rootOption = () =>
  new Option('--root <dir>', 'project root holding environments/').default(projectRoot(), 'this checkout');

const environmentOf = (o: LocalOptions) => loadEnvironment(o.env, path.resolve(o.root));

export function localCommand(): Command {
  const cmd = new Command('local').description(
    'run the local Kafka platform: KRaft clusters on 127.0.0.1 (one or more brokers each; and, for pg state, a throwaway PostgreSQL)',
  );
  cmd.addHelpText('before', 'Example:\n  kafka-tenancy local up && kafka-tenancy local status\n');

  cmd
    .command('install')
    .description(
      'fetch Kafka jars (Maven), build the Mongey provider (Go) into a terraform mirror, find or build terraform/tofu',
    )
    .action(() => {
      const t0 = Date.now();
      ensureKafkaLibs(diag);
      diag(`kafka jars ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      const t1 = Date.now();
      const bin = ensureProvider(diag);
      ensureCliConfig();
      diag(`provider ready: ${bin} (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
      const t2 = Date.now();
      const cli = ensureTerraformCli(diag);
      diag(`${cli.flavour} ${cli.version} ready: ${cli.bin} (${((Date.now() - t2) / 1000).toFixed(1)} s)`);
    });

  cmd
    .command('up')
    .description('start the local clusters (idempotent) and wait until an authenticated admin request succeeds')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .action(async (o: LocalOptions) => {
      const env = environmentOf(o);
      const t0 = Date.now();
      const st = await up(env, { log: diag });
      diag(`clusters ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      printStatus(st);
    });

  cmd
    .command('down')
    .description('stop the brokers that `up` started (by pid file); nothing else is touched')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .action(async (o: LocalOptions) => {
      await down(environmentOf(o), diag);
    });

  cmd
    .command('status')
    .description('what runs where')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .option('--json', 'machine-readable output')
    .action(async (o: LocalOptions & { json?: boolean }) => {
      const st = await status(environmentOf(o));
      if (o.json) process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      else printStatus(st);
    });

  cmd
    .command('reset')
    .description('stop and wipe the local clusters and their terraform state (dev secrets are kept)')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .action(async (o: LocalOptions) => {
      await reset(environmentOf(o), diag);
    });
  cmd.addCommand(stateDbCommand());
  return cmd;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1024 || n > 65535) {
    throw new InvalidArgumentError(`expected a port from 1024 to 65535, got "${v}"`);
  }
  return n;
}

/** `kafka-tenancy local state-db`: a throwaway PostgreSQL for the pg state backend (src/local/state-db.ts). */
function stateDbCommand(): Command {
  const cmd = new Command('state-db').description(
    'a throwaway PostgreSQL on 127.0.0.1 for `state: { backend: pg }` (data in .local/state-db/<env>/)',
  );
  cmd.addHelpText(
    'before',
    'Example:\n  eval "$(kafka-tenancy local state-db up --env pgdev)"   # sets the connection variable and PGPASSFILE\n' +
      '  kafka-tenancy deploy --env pgdev\n  kafka-tenancy local state-db down --env pgdev\n',
  );
  cmd
    .command('up')
    .description(
      "start it (idempotent), wait for `select 1`, and print export lines of the environment's connection-string variable and PGPASSFILE (no password: it stays in the 0600 pgpass file)",
    )
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .addOption(
      new Option(
        '--port <port>',
        `TCP port on 127.0.0.1, remembered for later runs (default: the last one used, else ${DEFAULT_STATE_DB_PORT})`,
      ).argParser(port),
    )
    .action(async (o: LocalOptions & { port?: number }) => {
      const env = environmentOf(o);
      if (env.state.backend !== 'pg') {
        diag(
          `note: environment "${env.name}" keeps its state in ${env.state.backend}, not pg; starting the database anyway`,
        );
      }
      const t0 = Date.now();
      const st = await stateDbUp(env, { port: o.port, log: diag });
      diag(`state database ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      printStateDbStatus(st, true);
      process.stdout.write(exportLines(connectionEnv(env, stateDb(env))).join('\n') + '\n');
    });
  cmd
    .command('env')
    .description('print the export lines `up` prints (the instance need not run)')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .action((o: LocalOptions) => {
      const env = environmentOf(o);
      process.stdout.write(exportLines(connectionEnv(env, stateDb(env))).join('\n') + '\n');
    });
  cmd
    .command('down')
    .description('stop the server `up` started (by pid file and command line); its data is kept')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .action(async (o: LocalOptions) => {
      await stateDbDown(environmentOf(o), diag);
    });
  cmd
    .command('status')
    .description('whether it runs and answers')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .option('--json', 'machine-readable output')
    .action(async (o: LocalOptions & { json?: boolean }) => {
      const st = await stateDbStatus(environmentOf(o));
      if (o.json) process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      else printStateDbStatus(st);
    });
  cmd
    .command('reset')
    .description('stop it and wipe its data: the terraform state of every stack of the environment in it is gone')
    .addOption(envOption('environment (environments/<name>.yaml)', false))
    .addOption(rootOption())
    .action(async (o: LocalOptions) => {
      await stateDbReset(environmentOf(o), diag);
    });
  return cmd;
}

function printStateDbStatus(st: StateDbStatus, toStderr = false): void {
  const t = table(['state db', 'state', 'pid', 'ready', 'address', 'log']);
  t.push([st.env, st.state, st.pid ?? '-', st.ready ? 'yes' : 'no', st.address, st.logFile]);
  (toStderr ? process.stderr : process.stdout).write(t.toString() + '\n');
}

function printStatus(st: Awaited<ReturnType<typeof status>>): void {
  const t = table(['cluster', 'state', 'pid', 'ready', 'bootstrap', 'log']);
  for (const s of st) {
    // a multi-broker cluster: one pid per node (`-` for a stopped one), the first node's log
    const pids = s.nodes.length > 1 ? s.nodes.map((n) => n.pid ?? '-').join(',') : (s.pid ?? '-');
    t.push([s.name, s.state, pids, s.ready ? 'yes' : 'no', s.bootstrap, s.logFile]);
  }
  process.stdout.write(t.toString() + '\n');
}
