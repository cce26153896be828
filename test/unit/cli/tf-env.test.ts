import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/cli';
import {
  exportLines,
  refuseUnignoredPath,
  SECRET_HEADER,
  shellQuote,
  toolchainExports,
} from '../../../src/cli/commands/tf-env';

/** Values a secret store may hold: everything a shell would otherwise interpret. */
const NASTY = {
  'admin/shared': `it's $HOME "quoted" \`id\` \\ end`,
  'scram/acme.billing-app': 'multi\nline; rm -rf / #',
  'scram/globex.api': 'plain',
};

const stackJson = (variables: string[]) =>
  JSON.stringify({
    variable: Object.fromEntries(
      variables.map((v) => [v, v.endsWith('_version') ? { default: '1' } : { sensitive: true, ephemeral: true }]),
    ),
  });

describe('kafka-tenancy tf-env', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-tf-env-'));
  const outdir = path.join(work, 'cdktf.out');
  const localDir = path.join(work, 'local');
  const previous = process.env.KAFKA_TENANCY_LOCAL_DIR;

  const run = (...argv: string[]) => runCli('tf-env', '--env', 'local', '--out', outdir, ...argv);
  /** What a shell has after `eval "$(kafka-tenancy tf-env …)"`. */
  const evaluated = (script: string): Record<string, string> => {
    const dump = `"${process.execPath}" -e 'const e = {}; for (const k in process.env) if (k.startsWith("TF_VAR_")) e[k] = process.env[k]; process.stdout.write(JSON.stringify(e))'`;
    const res = spawnSync('sh', ['-c', `eval "$KT_SCRIPT"\n${dump}`], {
      env: { PATH: process.env.PATH, KT_SCRIPT: script },
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    return JSON.parse(res.stdout) as Record<string, string>;
  };

  beforeAll(() => {
    process.env.KAFKA_TENANCY_LOCAL_DIR = localDir;
    fs.mkdirSync(path.join(localDir, 'secrets'), { recursive: true });
    fs.writeFileSync(path.join(localDir, 'secrets', 'local.json'), JSON.stringify(NASTY), { mode: 0o600 });
    const stacks = {
      platform: stackJson(['admin_password_shared']),
      acme: stackJson([
        'admin_password_shared',
        'scram_password_acme__billing_h_app',
        'scram_password_acme__billing_h_app_version',
        'scram_revocation_secret',
      ]),
      globex: stackJson(['admin_password_shared', 'scram_password_globex__api']),
    };
    for (const [name, json] of Object.entries(stacks)) {
      fs.mkdirSync(path.join(outdir, 'stacks', name), { recursive: true });
      fs.writeFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), json);
    }
    const manifest = { stacks: Object.fromEntries(Object.keys(stacks).map((s) => [s, {}])) };
    fs.writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify(manifest));
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.KAFKA_TENANCY_LOCAL_DIR;
    else process.env.KAFKA_TENANCY_LOCAL_DIR = previous;
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('prints the secret header, then export lines only, which a shell evaluates back to every exact value', async () => {
    const r = await run('--stack', 'acme', '--no-toolchain');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(SECRET_HEADER);
    const env = evaluated(r.stdout);
    expect(env).toEqual({
      TF_VAR_admin_password_shared: NASTY['admin/shared'],
      TF_VAR_scram_password_acme__billing_h_app: NASTY['scram/acme.billing-app'],
      TF_VAR_scram_revocation_secret: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
    // Nothing but the header and `export NAME='…'` statements (a quoted value may span lines).
    expect(r.stdout.slice(SECRET_HEADER.length + 1)).toMatch(/^(export TF_VAR_[a-z0-9_]+='([^']|'\\'')*'\n)+$/);
  });

  it('writes no secret to stderr', async () => {
    const r = await run('--stack', 'acme', '--no-toolchain');
    for (const v of Object.values(NASTY)) expect(r.stderr).not.toContain(v);
    expect(r.stderr).toMatch(/3 secret variable\(s\) of acme/);
  });

  it('gives the revocation variable a fresh random value on every run, kept nowhere', async () => {
    const a = evaluated((await run('--stack', 'acme', '--no-toolchain')).stdout).TF_VAR_scram_revocation_secret;
    const b = evaluated((await run('--stack', 'acme', '--no-toolchain')).stdout).TF_VAR_scram_revocation_secret;
    expect(a).not.toBe(b);
    expect(fs.readFileSync(path.join(localDir, 'secrets', 'local.json'), 'utf8')).not.toContain(a);
  });

  it('takes every stack by default and only the named ones with --stack (repeatable)', async () => {
    const all = evaluated((await run('--no-toolchain')).stdout);
    expect(Object.keys(all)).toContain('TF_VAR_scram_password_globex__api');
    const some = evaluated((await run('--stack', 'platform', '--stack', 'globex', '--no-toolchain')).stdout);
    expect(Object.keys(some).sort()).toEqual(['TF_VAR_admin_password_shared', 'TF_VAR_scram_password_globex__api']);
  });

  it('refuses an unknown stack, naming the known ones (exit 1)', async () => {
    const r = await run('--stack', 'nope', '--no-toolchain');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no stack "nope"; stacks are: platform, acme, globex/);
    expect(r.stdout).toBe('');
  });

  it('says to synthesize first when the output folder holds no stacks', async () => {
    const r = await run('--out', path.join(work, 'empty'), '--no-toolchain');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no synthesized stacks in .*empty[\s\S]*kafka-tenancy synth/);
  });

  it('--var-file writes a 0600 *.tfvars.json (replacing a looser existing file) and prints no secret', async () => {
    const file = path.join(work, 'vars', 'acme.tfvars.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{}', { mode: 0o644 });
    const r = await run('--stack', 'acme', '--var-file', file, '--no-toolchain');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const vars = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(vars)).toEqual([
      'admin_password_shared',
      'scram_password_acme__billing_h_app',
      'scram_revocation_secret',
    ]);
    expect(vars.scram_password_acme__billing_h_app).toBe(NASTY['scram/acme.billing-app']);
    for (const v of Object.values(NASTY)) expect(r.stderr).not.toContain(v);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['acme.tfvars.json']); // no temp file left behind
  });

  it('--var-file refuses a name terraform would not read as JSON', async () => {
    const r = await run('--var-file', path.join(work, 'vars.json'), '--no-toolchain');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/must be named \*\.tfvars\.json/);
  });

  describe('inside a git work tree', () => {
    const repo = path.join(work, 'repo');
    const git = (...args: string[]) => {
      const res = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`git ${args.join(' ')}: ${res.stderr}`);
    };
    beforeAll(() => {
      fs.mkdirSync(repo, { recursive: true });
      git('init', '-q');
      fs.writeFileSync(path.join(repo, '.gitignore'), '.local/\nsecret.tfvars.json\n');
      fs.writeFileSync(path.join(repo, 'tracked.tfvars.json'), '{}');
      git('add', '-f', '.gitignore', 'tracked.tfvars.json');
    });

    it('refuses a path that is not git-ignored and writes nothing', async () => {
      const file = path.join(repo, 'sub', 'acme.tfvars.json');
      const r = await run('--var-file', file, '--no-toolchain');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/refusing to write secrets to .*inside a git work tree and not git-ignored/);
      expect(fs.existsSync(path.join(repo, 'sub'))).toBe(false);
    });

    it('refuses a tracked file even when an ignore pattern names it', () => {
      fs.appendFileSync(path.join(repo, '.gitignore'), 'tracked.tfvars.json\n');
      expect(() => refuseUnignoredPath(path.join(repo, 'tracked.tfvars.json'))).toThrow(/not git-ignored/);
    });

    it('refuses a path reached through a symlink into the work tree', () => {
      const link = path.join(work, 'link-to-repo');
      fs.symlinkSync(repo, link);
      expect(() => refuseUnignoredPath(path.join(link, 'acme.tfvars.json'))).toThrow(/not git-ignored/);
    });

    it('accepts git-ignored paths, in folders that do not exist yet too', async () => {
      expect(() => refuseUnignoredPath(path.join(repo, 'secret.tfvars.json'))).not.toThrow();
      const file = path.join(repo, '.local', 'new', 'acme.tfvars.json');
      const r = await run('--stack', 'acme', '--var-file', file, '--no-toolchain');
      expect(r.code).toBe(0);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    });
  });
});

describe('shell quoting', () => {
  it('single-quotes every value and closes and reopens the quotes around a single quote', () => {
    expect(shellQuote('plain')).toBe(`'plain'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
  });

  it('refuses a variable name the shell could not export (stacks synthesized before names became identifiers)', () => {
    expect(() => exportLines({ 'TF_VAR_admin_password_dedicated-2': 'x' })).toThrow(
      /not a valid shell variable name[\s\S]*kafka-tenancy synth/,
    );
  });
});

describe('toolchain exports', () => {
  const previous = process.env.KAFKA_TENANCY_CACHE;
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-tf-env-cache-'));
  afterAll(() => {
    if (previous === undefined) delete process.env.KAFKA_TENANCY_CACHE;
    else process.env.KAFKA_TENANCY_CACHE = previous;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('turn off the version check and point cdktf and terraform at our CLI config and CLI', () => {
    process.env.KAFKA_TENANCY_CACHE = cache;
    const e = toolchainExports('/opt/bin/tofu');
    expect(e).toEqual({
      CHECKPOINT_DISABLE: '1',
      TF_CLI_CONFIG_FILE: path.join(cache, 'terraformrc'),
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true',
      TF_PLUGIN_CACHE_DIR: '',
      TERRAFORM_BINARY_NAME: '/opt/bin/tofu',
    });
    expect(fs.readFileSync(e.TF_CLI_CONFIG_FILE, 'utf8')).toMatch(/disable_checkpoint = true/);
  });
});
