/** CLI conventions: --version, colours, usage errors (exit 2, one line), --env names, defaults in --help. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/cli';
import { setColor, table, useColor } from '../../../src/cli/output';
import { projectRoot } from '../../../src/paths';
import { HEADER, makeRoot } from '../model/helpers';

const PKG = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
const PLANS = path.join(__dirname, '../../fixtures/plans');
const ENV_FORM = 'an environment is a name, not a path: lowercase letters, digits and "-", starting with a letter';

const run = (...argv: string[]) => runCli(...argv);

/** Temporarily set (or, with undefined, unset) an environment variable. */
async function withVariable<T>(name: string, value: string | undefined, fn: () => Promise<T> | T): Promise<T> {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-cli-conventions-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('kafka-tenancy --version', () => {
  it('prints the version of package.json', async () => {
    expect(await run('--version')).toEqual({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });

  it('works from the built CLI in dist/, run from another folder', () => {
    // Real processes need compiled code: npm test builds before the unit tests run.
    const cli = path.join(__dirname, '../../../dist/src/cli/index.js');
    expect(fs.existsSync(cli)).toBe(true);
    const res = spawnSync(process.execPath, [cli, '--version'], { cwd: work, encoding: 'utf8' });
    expect([res.status, res.stdout, res.stderr]).toEqual([0, `${PKG.version}\n`, '']);
  });
});

describe('colours', () => {
  const tty = { isTTY: true };
  const withStdoutTty = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    const saved = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      return await fn();
    } finally {
      if (saved) Object.defineProperty(process.stdout, 'isTTY', saved);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  };
  const rendered = () => {
    const t = table(['tenant']);
    t.push(['acme']);
    return t.toString();
  };
  afterEach(() => setColor(true));

  it('colours tables on a terminal only', async () => {
    await withVariable('NO_COLOR', undefined, async () => {
      expect(useColor({ isTTY: false })).toBe(false);
      // Our decision only: whether cli-table3's colour library then emits ANSI depends on the CI's environment.
      expect(useColor({ isTTY: true })).toBe(true);
      await withStdoutTty(rendered);
    });
  });

  it('does not colour with NO_COLOR set to any non-empty value', async () => {
    await withVariable('NO_COLOR', '1', async () => {
      expect(useColor(tty)).toBe(false);
      expect(await withStdoutTty(rendered)).not.toContain('\u001b[');
    });
    await withVariable('NO_COLOR', '', () => expect(useColor(tty)).toBe(true));
  });

  it('does not colour with --no-color, before or after the command name, for that run only', async () => {
    const root = makeRoot({});
    await withVariable('NO_COLOR', undefined, async () => {
      expect((await run('--no-color', 'validate', '--root', root, '--env', 'test')).code).toBe(0);
      expect(useColor(tty)).toBe(false);
      expect(await withStdoutTty(rendered)).not.toContain('\u001b[');
      expect((await run('validate', '--root', root, '--env', 'test')).code).toBe(0);
      expect(useColor(tty)).toBe(true);
      expect((await run('validate', '--no-color', '--root', root, '--env', 'test')).code).toBe(0);
      expect(useColor(tty)).toBe(false);
    });
  });
});

describe('usage errors: exit 2, one line, no stack trace', () => {
  it('plan-review names a plan file that does not exist', async () => {
    expect(await run('plan-review', 'missing.json')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: cannot read missing.json: ENOENT: no such file or directory\n',
    });
  });

  it('plan-review names a plan file that is a folder', async () => {
    expect((await run('plan-review', work)).stderr).toBe(
      `error: cannot read ${work}: EISDIR: illegal operation on a directory\n`,
    );
  });

  it('plan-review refuses a file that is not a plan JSON, without echoing it (plans hold passwords)', async () => {
    const notJson = path.join(work, 'acme.plan.json');
    fs.writeFileSync(notJson, 'password = "hunter2"\n');
    const array = path.join(work, 'globex.plan.json');
    fs.writeFileSync(array, '[]');
    const what = 'is not a plan JSON (terraform show -json <stack>.tfplan)';
    expect(await run('plan-review', notJson)).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${notJson} ${what}: not valid JSON\n`,
    });
    expect((await run('plan-review', array)).stderr).toBe(`error: ${array} ${what}: expected a JSON object\n`);
  });

  it('plan-review names a --markdown file it cannot write', async () => {
    const root = makeRoot({}, { neighbours: true });
    const blocker = path.join(work, 'a-file');
    fs.writeFileSync(blocker, '');
    const md = path.join(blocker, 'review.md');
    const res = await run(
      'plan-review',
      path.join(PLANS, 'config-changes.json'),
      '--root',
      root,
      '--env',
      'test',
      '--markdown',
      md,
    );
    expect(res.code).toBe(2);
    // `a-file` is a file, so its "folder" cannot be created (EEXIST) nor written into.
    expect(res.stderr).toMatch(new RegExp(`^error: cannot write ${md}: E[A-Z]+: [^\n]+\n$`));
  });

  it('secrets export-env names a secrets file that does not exist', async () => {
    expect(await run('secrets', 'export-env', path.join(work, 'nope.json'))).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: cannot read ${path.join(work, 'nope.json')}: ENOENT: no such file or directory\n`,
    });
  });

  it('the built CLI exits 2 with one line for a missing plan file', () => {
    const cli = path.join(__dirname, '../../../dist/src/cli/index.js');
    const res = spawnSync(process.execPath, [cli, 'plan-review', 'missing.json'], { cwd: work, encoding: 'utf8' });
    expect([res.status, res.stdout, res.stderr]).toEqual([
      2,
      '',
      'error: cannot read missing.json: ENOENT: no such file or directory\n',
    ]);
  });
});

describe('input files never cause an internal error', () => {
  it('validate reports an alias bomb as a problem of its file, next to the other files’ problems', async () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...'bcdefg'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`),
    ].join('\n');
    const root = makeRoot({
      'bomb.yaml': bomb,
      'acme.yaml': `id: acme\n${HEADER}\ntier: topic-per-tenant\nclassification: internal\npartitons: 3\n`,
    });
    const res = await run('validate', '--root', root, '--env', 'test');
    expect(res.code).toBe(1);
    expect(res.stderr).not.toMatch(/internal error|ReferenceError|\n\s+at /);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toContain(
      'tenants/bomb.yaml: YAML aliases expand too much (more than 100 nodes reached through anchors and aliases); write the values out instead of nesting aliases',
    );
    expect(lines.some((l) => /^tenants\/acme\.yaml:\d+:\d+: partitons: /.test(l))).toBe(true);
  });
});

describe('--env is a name, not a path', () => {
  it.each([['validate'], ['synth'], ['local', 'status']])(
    '%s --env ../x is a usage error naming the form',
    async (...cmd) => {
      const res = await run(...cmd, '--env', '../x');
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`error: option '--env <name>' argument '../x' is invalid. ${ENV_FORM}`);
    },
  );

  it('refuses such a KAFKA_TENANCY_ENV the same way', async () => {
    const res = await withVariable('KAFKA_TENANCY_ENV', '/etc/x', () => run('validate'));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`value '/etc/x' from env 'KAFKA_TENANCY_ENV' is invalid. ${ENV_FORM}`);
  });

  it('still takes KAFKA_TENANCY_ENV as the default and --env over it', async () => {
    const root = makeRoot({});
    const viaVariable = await withVariable('KAFKA_TENANCY_ENV', 'test', () => run('validate', '--root', root));
    const lastLine = (stderr: string) => stderr.trimEnd().split('\n').pop();
    expect([viaVariable.code, lastLine(viaVariable.stderr)]).toEqual([0, '0 tenant(s) valid for environment "test"']);
    const viaOption = await withVariable('KAFKA_TENANCY_ENV', 'nope', () =>
      run('validate', '--root', root, '--env', 'test'),
    );
    expect(viaOption.code).toBe(0);
  });
});

describe('--help shows defaults relative to the checkout', () => {
  it.each([['synth'], ['tf-env'], ['validate'], ['plan']])('%s --help', async (cmd) => {
    const res = await run(cmd, '--help');
    const help = res.stdout.replace(/\s+/g, ' ');
    expect(res.code).toBe(0);
    expect(help).not.toContain(projectRoot());
    expect(help).toContain('(default: this checkout)');
    if (cmd === 'synth' || cmd === 'tf-env') expect(help).toContain('(default: cdktf.out in this checkout)');
  });

  it('keeps the default values themselves', async () => {
    const { program } = await import('../../../src/cli/index');
    const synth = program().commands.find((c) => c.name() === 'synth')!;
    synth.parseOptions([]);
    expect(synth.opts()).toMatchObject({ root: projectRoot(), out: path.join(projectRoot(), 'cdktf.out') });
  });
});
