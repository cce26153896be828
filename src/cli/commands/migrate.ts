import * as path from 'node:path';
import { Argument, Command, Option } from 'commander';
import { CheckFailed } from '../../errors';
import {
  abortMigration,
  cutoverMigration,
  type MigrateContext,
  migrationStatus,
  startMigration,
  stopMigration,
} from '../../migration/migrate';
import { secretSourceFor } from '../../secrets';
import { diag, table } from '../output';
import { projectModel, seconds, withProjectOptions, type ProjectOptions } from './project-options';

interface MigrateCliOptions extends ProjectOptions {
  readonly json?: boolean;
  readonly drainTimeout: number;
}

const ACTIONS = ['start', 'status', 'cutover', 'stop', 'abort'] as const;

export function migrateCommand(): Command {
  const cmd = withProjectOptions(
    new Command('migrate')
      .argument('<tenant>', 'tenant id (its file declares a migration block)')
      .addArgument(new Argument('<action>', 'what to do').choices(ACTIONS))
      .description(
        "move a tenant's records to the tier/cluster its file declares: start the replication (MirrorMaker 2 between clusters, the shared-tier copier otherwise), show its lag, prove the copy at cutover, stop or abort it",
      )
      .addHelpText(
        'before',
        [
          'Example (docs/migration.md):',
          '  # tenants/acme.yaml: tier: dedicated, cluster: dedicated-2, migration: { from: { tier: topic-per-tenant }, state: copying, keepSourceData: true }',
          '  kafka-tenancy deploy acme && kafka-tenancy migrate acme start',
          '  kafka-tenancy migrate acme status',
          '  # state: cutover → deploy (writes to the source are refused), then:',
          '  kafka-tenancy migrate acme cutover      # drain, compare every partition, carry group offsets over',
          '  # state: done → deploy (grants on the target, the source revoked)',
          '',
        ].join('\n'),
      )
      .option('--json', 'machine-readable output')
      .addOption(
        new Option('--drain-timeout <seconds>', 'cutover: how long to wait for the replication to drain')
          .argParser((v) => Number(v) * 1000)
          .default(600_000, '600'),
      ),
  );
  return cmd.action(async (tenantId: string, action: (typeof ACTIONS)[number], o: MigrateCliOptions) => {
    const model = projectModel(o);
    const ctx: MigrateContext = { model, root: path.resolve(o.root), secrets: secretSourceFor(model.env), log: diag };
    const out = (value: unknown, text: string): void => {
      process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
    };
    const t0 = Date.now();
    switch (action) {
      case 'start': {
        const r = await startMigration(ctx, tenantId);
        out(
          r,
          `${r.engine} ${r.alreadyRunning ? 'already running' : 'started'} for ${tenantId} (pid ${r.pid}); files in ${r.dir}`,
        );
        return;
      }
      case 'stop': {
        const how = await stopMigration(ctx, tenantId);
        out({ stopped: how }, `replication of ${tenantId}: ${how}`);
        return;
      }
      case 'abort': {
        const done = await abortMigration(ctx, tenantId);
        out({ done }, done.map((d) => `- ${d}`).join('\n'));
        return;
      }
      case 'status': {
        const r = await migrationStatus(ctx, tenantId);
        if (o.json) {
          out(r, '');
          return;
        }
        const lines = [`${tenantId}: ${r.engine}, state ${r.state}, ${r.running ? 'running' : 'not running'}`];
        if (r.mirror) {
          const t = table(['topic', 'partition', 'source end', 'target end', 'copied up to', 'lag (records)']);
          for (const p of r.mirror.partitions) {
            t.push([
              p.topic,
              p.partition,
              p.sourceEnd,
              p.targetEnd,
              p.copiedUpTo ?? '-',
              p.lagRecords ?? `~${p.lagOffsets} offsets`,
            ]);
          }
          lines.push(t.toString());
          if (r.mirror.groups.length) {
            const g = table(['group', 'topic', 'partition', 'committed on source', 'synced on target']);
            for (const x of r.mirror.groups)
              g.push([x.group, x.topic, x.partition, x.sourceCommitted, x.targetCommitted ?? '-']);
            lines.push(g.toString());
          }
          lines.push(r.mirror.caughtUp ? 'caught up: lag 0 on every partition' : 'not caught up');
        }
        if (r.copier?.progress) {
          const p = r.copier.progress;
          const t = table(['topic', 'partition', 'consumed', 'end']);
          p.partitions.forEach((x) => t.push([x.topic, x.partition, x.consumed, x.end]));
          lines.push(
            t.toString(),
            `${p.copied} copied, ${p.skipped} of other tenants passed over, ${p.suspicious} suspicious; ${p.caughtUp ? 'caught up' : 'behind'} (updated ${p.updatedAt})`,
          );
        } else if (r.engine === 'copier') {
          lines.push('no progress reported yet');
        }
        if (r.proof) lines.push(`cutover proven at ${r.proof.provenAt}: ${r.proof.records} records`);
        out(r, lines.join('\n'));
        return;
      }
      case 'cutover': {
        const r = await cutoverMigration(ctx, tenantId, { drainTimeoutMs: o.drainTimeout });
        if (o.json) out(r, '');
        else {
          const t = table(['step', 'seconds', 'detail']);
          r.steps.forEach((s) => t.push([s.step, seconds(s.ms), s.detail]));
          out(r, t.toString());
        }
        diag(`cutover of "${tenantId}" ${r.ok ? 'proven' : 'FAILED'} in ${seconds(Date.now() - t0)} s`);
        if (!r.ok) {
          throw new CheckFailed(
            `cutover of "${tenantId}" is not proven: the copy differs from the source:\n` +
              r.mismatches
                .slice(0, 20)
                .map((m) => `  ${m.message}`)
                .join('\n'),
          );
        }
        diag(`next: set migration.state: done in ${model.tenants.find((t) => t.id === tenantId)?.file} and deploy`);
        return;
      }
    }
  });
}
