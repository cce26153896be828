import { compareVersions, MINIMUM_CLI_VERSION } from '../../../src/toolchain/toolchain';
import { javaArgFileQuote, randomClusterId, reset } from '../../../src/local/cluster';
import { loadEnvironment } from '../../../src/model/environment';

describe('compareVersions', () => {
  it.each([
    ['1.11.4', '1.11.0', 1],
    ['1.5.7', '1.11.0', -1],
    ['1.11.0', '1.11.0', 0],
    ['1.12.0-beta1', '1.11.0', 1],
  ])('%s vs %s is %d', (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
  });

  it('requires a CLI with ephemeral variables and write-only attributes', () => {
    expect(compareVersions('1.10.5', MINIMUM_CLI_VERSION.terraform)).toBe(-1);
    expect(compareVersions('1.10.0', MINIMUM_CLI_VERSION.tofu)).toBe(-1);
  });
});

describe('local reset', () => {
  const local = loadEnvironment('local');

  it('refuses an environment with a cluster it did not start', async () => {
    const env = {
      ...local,
      name: 'mixed',
      clusters: { ...local.clusters, prod: { ...local.clusters.shared, local: undefined } },
    };
    await expect(reset(env)).rejects.toThrow(/refusing to reset environment "mixed": clusters prod are not local/);
  });

  it('refuses an environment whose state is remote', async () => {
    const env = {
      ...local,
      name: 'remote',
      state: { backend: 's3' as const, bucket: 'b', region: 'r', keyPrefix: 'k' },
    };
    await expect(reset(env)).rejects.toThrow(/its state backend is s3/);
  });
});

describe('randomClusterId', () => {
  it('is a 22-character URL-safe id that never starts with "-" (the storage tool would read it as an option)', () => {
    for (let i = 0; i < 5000; i++) {
      const id = randomClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});

describe('javaArgFileQuote (arguments the java launcher reads from an @file)', () => {
  it('quotes every argument so spaces, quotes and backslashes survive', () => {
    expect(javaArgFileQuote('SCRAM-SHA-512=[name=admin,password=abc]')).toBe(
      '"SCRAM-SHA-512=[name=admin,password=abc]"',
    );
    expect(javaArgFileQuote('/a dir/with "quote"\\x')).toBe('"/a dir/with \\"quote\\"\\\\x"');
  });
});
