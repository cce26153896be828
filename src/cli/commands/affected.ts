import * as path from 'node:path';
import { Command } from 'commander';
import { CheckFailed } from '../../errors';
import { formatProblem } from '../../errors';
import { computeAffected } from '../../pipeline/affected';
import { diag, printJson, table } from '../output';
import { modelCacheDir, tenantsDirOf, withProjectOptions, type ProjectOptions } from './project-options';

interface AffectedCliOptions extends ProjectOptions {
  readonly base: string;
  readonly json?: boolean;
  readonly names?: boolean;
}

export function affectedCommand(): Command {
  return withProjectOptions(
    new Command('affected')
      .description(
        'stacks a change touches compared with a git ref: tenant files → their stacks; environment or code → every stack whose synthesized output changes. Removed tenant files are flagged (exit 1 unless decommissioned)',
      )
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy affected --base origin/main\n  kafka-tenancy deploy $(kafka-tenancy affected --base HEAD~1 --names)\n',
      )
      .requiredOption('--base <ref>', 'git ref to compare with (the merge base with HEAD is used)')
      .option('--json', 'machine-readable output')
      .option('--names', 'print only the names of the stacks to plan or deploy, one per line'),
  ).action((o: AffectedCliOptions) => {
    const t0 = Date.now();
    const res = computeAffected({
      root: path.resolve(o.root),
      base: o.base,
      env: o.env,
      tenantsDir: tenantsDirOf(o),
      log: diag,
      cacheDir: modelCacheDir(),
    });
    if (o.json) {
      printJson(res);
    } else if (o.names) {
      const names = res.stacks.filter((s) => s.status !== 'removed').map((s) => s.stack);
      if (names.length) process.stdout.write(names.join('\n') + '\n');
    } else {
      const t = table(['stack', 'status', 'why']);
      res.stacks.forEach((s) => t.push([s.stack, s.status, s.reasons.join('\n')]));
      process.stdout.write(res.stacks.length ? t.toString() + '\n' : 'no stack is affected\n');
    }
    res.notes.forEach((n) => diag(`note: ${n}`));
    diag(
      `${res.stacks.length} stack(s) affected since ${o.base} (${res.mergeBase.slice(0, 12)}), ${res.changedFiles.length} file(s) changed, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (res.removal.problems.length) throw new CheckFailed(res.removal.problems.map(formatProblem).join('\n'));
  });
}
