/**
 * `kafka-tenancy tf-env`: the secret Terraform variables of synthesized stacks, for driving `cdktf deploy` or
 * plain `terraform apply` yourself. The values come from the environment's secret source exactly as
 * `kafka-tenancy deploy` feeds them (`secretVariables`), so both paths apply the same passwords.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { EnvironmentError, ValidationError } from '../../errors';
import { synthesizedStacks } from '../../pipeline/deploy';
import { readyToolchain, secretVariables } from '../../terraform/runner';
import { ensureCliConfig } from '../../toolchain/toolchain';
import { loadEnvironment } from '../../model';
import { secretSourceFor, type SecretSource } from '../../secrets';
import { deployOrder } from '../../stacks/app';
import { diag } from '../output';
import { outdirOption } from './model-commands';
import { withProjectOptions, type ProjectOptions } from './project-options';

/** First line of the printed exports: whoever captures the output sees what it holds. */
export const SECRET_HEADER =
  '# kafka-tenancy tf-env: the TF_VAR_* lines below are secrets (passwords); eval them, never log, commit or share them';

const SHELL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** POSIX shell single quoting: safe for any value (spaces, quotes, `$`, backslashes, line breaks). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME='value'` lines, sorted by name. Refuses a name the shell could not export. */
export function exportLines(vars: Readonly<Record<string, string>>): string[] {
  return Object.keys(vars)
    .sort()
    .map((name) => {
      if (!SHELL_IDENTIFIER.test(name)) {
        throw new EnvironmentError(
          `"${name}" is not a valid shell variable name`,
          'synthesize again (kafka-tenancy synth): stacks synthesized before variable names became identifiers use "-"',
        );
      }
      return `export ${name}=${shellQuote(vars[name])}`;
    });
}

/**
 * TF_VAR_* of every secret variable the given stacks declare (all stacks when `stacks` is empty), one value per
 * variable. Stacks share variables (every stack on a cluster wants its admin password); the values are the same.
 */
export async function collectSecretVariables(
  outdir: string,
  stacks: readonly string[],
  secrets: SecretSource,
): Promise<{ stacks: string[]; vars: Record<string, string> }> {
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    throw new EnvironmentError(`no synthesized stacks in ${outdir}`, 'run kafka-tenancy synth first (or pass --out)');
  }
  const all = deployOrder(synthesizedStacks(outdir));
  const unknown = stacks.filter((s) => !all.includes(s));
  if (unknown.length) {
    throw new ValidationError(
      unknown.map((s) => ({
        file: path.join(path.basename(outdir), 'manifest.json'),
        path: '',
        code: 'unknown_stack',
        message: `no stack "${s}"; stacks are: ${all.join(', ')}`,
      })),
    );
  }
  const selected = stacks.length ? all.filter((s) => stacks.includes(s)) : all;
  const vars: Record<string, string> = {};
  for (const stack of selected) {
    for (const [name, value] of Object.entries(await secretVariables(path.join(outdir, 'stacks', stack), secrets))) {
      if (value !== undefined) vars[name] = value;
    }
  }
  return { stacks: selected, vars };
}

/** Non-secret settings that make `cdktf deploy` and `terraform` behave like `kafka-tenancy deploy`. */
export function toolchainExports(cliBin: string): Record<string, string> {
  return {
    CHECKPOINT_DISABLE: '1', // no version check (Terraform) and no telemetry (cdktf) phoning home
    TF_CLI_CONFIG_FILE: ensureCliConfig(), // the provider from the local mirror only, never a registry
    // No shared plugin cache (two concurrent inits writing one break each other): cdktf would otherwise point
    // terraform at ~/.terraform.d/plugin-cache; from our unpacked mirror, init links the provider in place.
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true',
    TF_PLUGIN_CACHE_DIR: '',
    TERRAFORM_BINARY_NAME: cliBin, // the CLI kafka-tenancy checked (>= 1.11: ephemeral, write-only)
  };
}

/**
 * Refuse a secrets file git could pick up: inside a work tree, the path must be git-ignored (a tracked file
 * never is). Paths outside any work tree are fine.
 */
export function refuseUnignoredPath(file: string): void {
  // Resolve symlinks of the part that exists, so a link into a checkout is judged where it points.
  let existing = path.resolve(file);
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  let real = fs.realpathSync(existing);
  if (rest.length === 0) {
    if (fs.statSync(real).isDirectory()) throw new EnvironmentError(`${file} is a directory`);
    rest.unshift(path.basename(real));
    real = path.dirname(real);
  }
  const target = path.join(real, ...rest);
  const inside = spawnSync('git', ['-C', real, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
  if (inside.error || inside.status !== 0 || inside.stdout.trim() !== 'true') return;
  const ignored = spawnSync('git', ['-C', real, 'check-ignore', '-q', '--', target], { encoding: 'utf8' });
  if (ignored.status === 0) return;
  throw new EnvironmentError(
    `refusing to write secrets to ${file}: it is inside a git work tree and not git-ignored`,
    'write it outside the checkout, or under a git-ignored folder such as .local/',
  );
}

/** Write `{ name: value }` (no TF_VAR_ prefix) as a Terraform JSON variables file readable by its owner only. */
export function writeVarFile(file: string, tfVars: Readonly<Record<string, string>>): void {
  if (!file.endsWith('.tfvars.json')) {
    throw new EnvironmentError(
      `${file}: the variables file must be named *.tfvars.json (terraform reads a var file as JSON by its name)`,
    );
  }
  refuseUnignoredPath(file);
  const vars = Object.fromEntries(
    Object.keys(tfVars)
      .sort()
      .map((k) => [k.replace(/^TF_VAR_/, ''), tfVars[k]]),
  );
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  // A fresh 0600 file renamed into place: an existing file keeps neither its mode nor a window of the new content.
  const tmp = `${path.resolve(file)}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(vars, null, 2) + '\n');
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.resolve(file));
  fs.chmodSync(path.resolve(file), 0o600);
}

interface TfEnvOptions extends ProjectOptions {
  readonly stack: string[];
  readonly out: string;
  readonly varFile?: string;
  readonly toolchain: boolean;
}

export function tfEnvCommand(): Command {
  return withProjectOptions(
    new Command('tf-env')
      .description(
        'print export lines of the secret TF_VAR_* variables of synthesized stacks (and the offline toolchain settings), for cdktf deploy or plain terraform; or write them to a 0600 *.tfvars.json',
      )
      .addHelpText(
        'before',
        'Example:\n' +
          '  kafka-tenancy synth\n' +
          '  eval "$(kafka-tenancy tf-env --stack acme)"\n' +
          '  npx cdktf deploy acme --skip-provider-lock --auto-approve\n' +
          '  kafka-tenancy tf-env --var-file .local/acme.tfvars.json --stack acme   # terraform apply -var-file=…\n',
      )
      .option(
        '--stack <name>',
        'only this stack; repeatable (default: every synthesized stack)',
        (v: string, prev: string[]) => [...prev, v],
        [] as string[],
      )
      .addOption(outdirOption('synth output folder'))
      .option(
        '--var-file <path>',
        'write the variables to this *.tfvars.json (mode 0600) instead of printing them; refused inside a git work tree unless git-ignored',
      )
      .option(
        '--no-toolchain',
        'secrets only: leave out CHECKPOINT_DISABLE, TF_CLI_CONFIG_FILE, CDKTF_DISABLE_PLUGIN_CACHE_ENV, TF_PLUGIN_CACHE_DIR and TERRAFORM_BINARY_NAME',
      ),
  ).action(async (o: TfEnvOptions) => {
    const env = loadEnvironment(o.env, path.resolve(o.root));
    const outdir = path.resolve(o.out);
    const { stacks, vars } = await collectSecretVariables(outdir, o.stack, secretSourceFor(env));
    const toolchain = o.toolchain ? toolchainExports(readyToolchain(diag).bin) : {};
    const lines: string[] = [];
    if (o.varFile) {
      writeVarFile(o.varFile, vars);
      lines.push(...exportLines(toolchain));
      diag(
        `wrote ${Object.keys(vars).length} secret variable(s) of ${stacks.join(', ')} to ${path.resolve(o.varFile)} (mode 0600); ` +
          `pass it as -var-file=${path.resolve(o.varFile)} (an absolute path: terraform runs in each stack folder)`,
      );
    } else {
      lines.push(SECRET_HEADER, ...exportLines(toolchain), ...exportLines(vars));
      diag(`${Object.keys(vars).length} secret variable(s) of ${stacks.join(', ')}`);
    }
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  });
}
