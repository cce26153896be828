/** The pull-request workflow commands, registered by the CLI in one line. */
import { Command } from 'commander';
import { EnvironmentError } from '../../errors';
import { EnvSecrets } from '../../secrets';
import { readArgFile } from '../files';
import { affectedCommand } from './affected';
import { decommissionCommand } from './decommission';
import { planCommand } from './plan';
import { planReviewCommand } from './plan-review';

export function pipelineCommands(): Command[] {
  return [affectedCommand(), planCommand(), planReviewCommand(), decommissionCommand(), secretsCommand()];
}

/**
 * `NAME=value` lines (for `$GITHUB_ENV` or a dotenv file) from a JSON object of secret name → value, named
 * exactly as `secrets.source: env` reads them (`EnvSecrets.variableName`), so a workflow never re-implements the
 * mapping. Errors name the secret, never its value.
 */
export function exportEnvLines(json: unknown, only?: string): string[] {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new EnvironmentError('the secrets must be a JSON object of secret name → value, e.g. {"admin/shared": "…"}');
  }
  const lines: string[] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (only && !name.startsWith(only)) continue;
    const variable = EnvSecrets.variableName(name);
    if (typeof value !== 'string' || value === '') {
      throw new EnvironmentError(`secret "${name}" must be a non-empty string`);
    }
    if (/[\r\n]/.test(value)) {
      throw new EnvironmentError(`secret "${name}" contains a line break, which an environment file cannot hold`);
    }
    lines.push(`${variable}=${value}`);
  }
  return lines;
}

export function secretsCommand(): Command {
  const cmd = new Command('secrets').description('helpers for pipelines whose environment says secrets.source: env');
  cmd.addCommand(
    new Command('export-env')
      .argument('[file]', 'JSON object of secret name → value (default: stdin)')
      .description(
        'print KAFKA_TENANCY_SECRET_<NAME>=value lines, named exactly as "secrets.source: env" reads them; for $GITHUB_ENV',
      )
      .addHelpText(
        'before',
        'Example:\n  echo "$SECRETS_JSON" | kafka-tenancy secrets export-env >> "$GITHUB_ENV"\n  kafka-tenancy secrets export-env --only admin/ secrets.json\n',
      )
      .option('--only <prefix>', 'only secrets whose name starts with this, e.g. admin/'),
  );
  cmd.commands[0].action((file: string | undefined, o: { only?: string }) => {
    const text = readArgFile(file ?? 0);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EnvironmentError('the secrets are not valid JSON'); // never echo the input: it holds passwords
    }
    const lines = exportEnvLines(json, o.only);
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  });
  return cmd;
}
