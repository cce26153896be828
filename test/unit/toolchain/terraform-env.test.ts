import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { terraformEnv } from '../../../src/toolchain/toolchain';

describe('terraformEnv (every terraform/tofu run we spawn)', () => {
  const previous = process.env.KAFKA_TENANCY_CACHE;
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-tf-env-'));
  beforeAll(() => (process.env.KAFKA_TENANCY_CACHE = cache));
  afterAll(() => {
    if (previous === undefined) delete process.env.KAFKA_TENANCY_CACHE;
    else process.env.KAFKA_TENANCY_CACHE = previous;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('turns off the checkpoint version check, whatever the caller passes or inherits', () => {
    expect(terraformEnv().CHECKPOINT_DISABLE).toBe('1');
    expect(terraformEnv({ CHECKPOINT_DISABLE: '' }).CHECKPOINT_DISABLE).toBe('1');
  });

  it('uses our mirror-only CLI config, which disables the checkpoint too', () => {
    const file = terraformEnv().TF_CLI_CONFIG_FILE!;
    expect(file).toBe(path.join(cache, 'terraformrc'));
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^disable_checkpoint = true$/m);
  });

  it('passes the caller’s variables through', () => {
    expect(terraformEnv({ TF_VAR_x: 'y' }).TF_VAR_x).toBe('y');
  });
});
