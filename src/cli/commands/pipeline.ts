import * as crypto from 'node:crypto';
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
export function exportEnvLines(json: unknown, only?: string | readonly string[]): string[] {
  const prefixes = only === undefined ? [] : typeof only === 'string' ? [only] : only;
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new EnvironmentError('the secrets must be a JSON object of secret name → value, e.g. {"admin/shared": "…"}');
  }
  const lines: string[] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (prefixes.length && !prefixes.some((p) => name.startsWith(p))) continue;
    const variable = EnvSecrets.variableName(name);
    if (typeof value !== 'string' || value === '') {
      throw new EnvironmentError(`secret "${name}" must be a non-empty string`);
    }
    if (/\r/.test(value)) {
      throw new EnvironmentError(`secret "${name}" contains a carriage return, which an environment file cannot hold`);
    }
    if (value.includes('\n')) {
      // A PEM bundle (tlsca/…): GitHub's multi-line form, with a delimiter the value cannot contain.
      let delimiter: string;
      do delimiter = `KAFKA_TENANCY_EOF_${crypto.randomBytes(8).toString('hex')}`;
      while (value.includes(delimiter));
      lines.push(`${variable}<<${delimiter}`, ...value.replace(/\n$/, '').split('\n'), delimiter);
      continue;
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
        'Example:\n  echo "$SECRETS_JSON" | kafka-tenancy secrets export-env >> "$GITHUB_ENV"\n  kafka-tenancy secrets export-env --only scram/platform-planner --only tlsca/ secrets.json\n',
      )
      .option(
        '--only <prefix>',
        'only secrets whose name starts with this, e.g. scram/platform-planner (repeatable)',
        (v: string, prev: string[] = []) => [...prev, v],
      ),
  );
  cmd.commands[0].action((file: string | undefined, o: { only?: string[] }) => {
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
