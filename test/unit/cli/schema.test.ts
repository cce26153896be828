import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/cli';
import { tenantJsonSchema } from '../../../src/model/tenant-schema';

describe('kafka-tenancy schema', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-schema-'));
  const expected = JSON.stringify(tenantJsonSchema(), null, 2) + '\n';
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const run = (...argv: string[]) => runCli('schema', ...argv);

  it('prints the schema to stdout without --write', async () => {
    expect(await run()).toEqual({ code: 0, stdout: expected, stderr: '' });
  });

  it('writes tenants/tenant.schema.json under --root by default and says so', async () => {
    const res = await run('--write', '--root', work);
    const file = path.join(work, 'tenants', 'tenant.schema.json');
    expect([res.code, res.stdout, res.stderr]).toEqual([0, '', `wrote ${path.relative(process.cwd(), file)}\n`]);
    expect(fs.readFileSync(file, 'utf8')).toBe(expected);
  });

  it('writes to a given path, creating its folder, and leaves an up-to-date file alone', async () => {
    const file = path.join(work, 'a', 'b', 'schema.json');
    expect((await run('--write', file)).stderr).toMatch(/^wrote .*schema\.json\n$/);
    const written = fs.statSync(file).mtimeMs;
    expect((await run('--write', file)).stderr).toMatch(/^.*schema\.json is up to date\n$/);
    expect(fs.statSync(file).mtimeMs).toBe(written);
    expect(fs.readFileSync(file, 'utf8')).toBe(expected);
  });
});
