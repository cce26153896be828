import * as path from 'node:path';
import { Command } from 'commander';
import { CheckFailed } from '../../errors';
import { readyToolchain } from '../../terraform/runner';
import { exportStateBackendEnv } from '../../terraform/state-backend';
import { decommission, finalizeDecommission } from '../../pipeline/decommission';
import { secretSourceFor } from '../../secrets';
import { diag, table } from '../output';
import { lockedRun, withRunOptions, type RunOptions } from './run-options';
import { projectModel, seconds, withProjectOptions, type ProjectOptions } from './project-options';

interface DecommissionCliOptions extends ProjectOptions, RunOptions {
  readonly finalize?: boolean;
  readonly out: string;
  readonly synthOut?: string;
  readonly json?: boolean;
}

export function decommissionCommand(): Command {
  const cmd = withProjectOptions(
    new Command('decommission')
      .argument('<tenant>', 'tenant id (its file says lifecycle: decommissioning)')
      .description(
        'tear a decommissioning tenant down in order (ACLs → credentials → quotas → topics only with deleteDataOnDecommission), then verify nothing of it is left; --finalize forgets retained topics so the file can be removed',
      )
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy decommission acme            # after merging lifecycle: decommissioning\n  kafka-tenancy decommission acme --finalize # before/with removing tenants/acme.yaml\n',
      )
      .option(
        '--finalize',
        'forget the retained topics (terraform state rm): they stay on the cluster, unmanaged, admin-only',
      )
      .option('--out <dir>', 'where the redacted plan and review of the teardown go', 'plans')
      .option('--synth-out <dir>', 'synth output folder (default: a private folder per run, removed afterwards)')
      .option('--json', 'machine-readable output'),
  );
  return withRunOptions(cmd).action(async (tenantId: string, o: DecommissionCliOptions) => {
    const model = projectModel(o);
    exportStateBackendEnv(model.env);
    const cli = readyToolchain(diag);
    const secrets = secretSourceFor(model.env);
    const runner = { timeoutMs: o.timeout, lockTimeoutMs: o.lockTimeout };
    const t0 = Date.now();
    const command = `decommission ${tenantId}${o.finalize ? ' --finalize' : ''}`;
    if (o.finalize) {
      const res = await lockedRun(o, command, o.synthOut, (synthOut) =>
        finalizeDecommission({ model, tenantId, synthOut, cli, secrets, log: diag, runner }),
      );
      if (o.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
      else
        process.stdout.write(`forgotten (kept on the cluster, unmanaged): ${res.forgotten.join(', ') || 'nothing'}\n`);
      if (res.fileStillPresent) {
        diag(
          `remove tenants/${tenantId}.yaml in the same change: until then a deploy of "${tenantId}" fails (its topics exist but are no longer in its state); it never deletes them`,
        );
      }
      diag(`finalized "${tenantId}" in ${seconds(Date.now() - t0)} s`);
      return;
    }
    const res = await lockedRun(o, command, o.synthOut, (synthOut) =>
      decommission({ model, tenantId, synthOut, plansDir: path.resolve(o.out), cli, secrets, log: diag, runner }),
    );
    if (o.json) {
      process.stdout.write(JSON.stringify({ ...res, review: undefined }, null, 2) + '\n');
    } else {
      const phases = table(['phase', 'removed', 'seconds']);
      res.phases.forEach((p) => phases.push([p.name, p.targets.length, seconds(p.durationMs)]));
      const checks = table(['check', 'ok', 'detail']);
      res.checks.forEach((c) => checks.push([c.name, c.ok ? 'yes' : 'NO', c.detail]));
      process.stdout.write(`${phases.toString()}\n${checks.toString()}\n`);
      if (res.retainedTopics.length) {
        process.stdout.write(
          `retained: ${res.retainedTopics.join(', ')} (admin-only; "kafka-tenancy decommission ${tenantId} --finalize" before removing the file)\n`,
        );
      }
    }
    diag(`decommissioned "${tenantId}" in ${seconds(Date.now() - t0)} s`);
    if (!res.ok)
      throw new CheckFailed(
        `decommission of "${tenantId}" is not verified:\n` +
          res.checks
            .filter((c) => !c.ok)
            .map((c) => `  ${c.name}: ${c.detail}`)
            .join('\n'),
      );
  });
}
