#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { explainCommand } from './commands/explain';
import { localCommand } from './commands/local';
import { migrateCommand } from './commands/migrate';
import { deployCommand, schemaCommand, synthCommand, validateCommand } from './commands/model-commands';
import { pipelineCommands } from './commands/pipeline';
import { tfEnvCommand } from './commands/tf-env';
import { verifyCommand } from './commands/verify';
import { EXIT, exitCodeFor, setColor } from './output';

export function program(): Command {
  const p = new Command('kafka-tenancy')
    .description('tenant declarations → multi-tenant Kafka platform, with proof of isolation')
    .addHelpText(
      'before',
      'Example:\n  kafka-tenancy validate && kafka-tenancy synth && kafka-tenancy deploy && kafka-tenancy verify\n',
    )
    .version(packageVersion(), '-V, --version', 'print the version of kafka-tenancy')
    .option('--no-color', 'no colours in tables (also when NO_COLOR is set)')
    .exitOverride()
    .showHelpAfterError()
    .hook('preAction', (cmd) => setColor(cmd.opts<{ color: boolean }>().color));
  for (const c of [
    validateCommand(),
    schemaCommand(),
    synthCommand(),
    deployCommand(),
    tfEnvCommand(),
    localCommand(),
    ...pipelineCommands(),
    verifyCommand(),
    migrateCommand(),
    explainCommand(),
  ])
    p.addCommand(c);
  applyExitOverride(p);
  return p;
}

/** The version in our package.json, read at run time: the nearest one named kafka-tenancy (src/ and dist/src/). */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kafka-tenancy' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** addCommand() does not inherit settings: make every subcommand throw instead of calling process.exit. */
function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  cmd.commands.forEach(applyExitOverride);
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return exitCodeFor(err);
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
    // A finished command does not wait for sockets kafkajs keeps open: to a broker that stopped answering (its
    // deadline passed) or, now and then, one a consumer left behind after leaving its group. Flush, then exit.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
