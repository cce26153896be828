#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { localCommand } from './commands/local';
import { EXIT, exitCodeFor } from './output';

export function program(): Command {
  const p = new Command('kafka-tenancy')
    .description('tenant declarations → multi-tenant Kafka platform, with proof of isolation')
    .addHelpText(
      'before',
      'Example:\n  kafka-tenancy validate && kafka-tenancy synth && kafka-tenancy deploy && kafka-tenancy verify\n',
    )
    .exitOverride()
    .showHelpAfterError();
  p.addCommand(localCommand());
  return p;
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
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
