import * as path from 'node:path';
import { Command, Option } from 'commander';

import { loadEnvironment } from '../../model/environment';
import { down, reset, status, up } from '../../local/cluster';
import { ensureKafkaLibs } from '../../local/kafka-runtime';
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
    'run the local Kafka platform: KRaft clusters on 127.0.0.1 (one or more brokers each)',
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
  return cmd;
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
