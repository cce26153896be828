/**
 * `kafka-tenancy explain` on the example fleet (tenants/, environments/local.yaml). The expected lines were checked
 * by reading tenants/acme.yaml and environments/local.yaml.
 */
import * as path from 'node:path';
import { runCli } from '../../support/cli';

const root = path.join(__dirname, '..', '..', '..');
const explain = (...argv: string[]) => runCli('explain', ...argv, '--root', root, '--env', 'local');

describe('kafka-tenancy explain', () => {
  it('explains a principal: cluster, credential, quota and every grant with the tenant-file line that caused it', async () => {
    const { code, stdout } = await explain('acme.billing');
    expect(code).toBe(0);
    expect(stdout).toContain('principal User:acme.billing (tenant acme, application billing)');
    expect(stdout).toContain('declared at tenants/acme.yaml:26:5 (applications[1])');
    expect(stdout).toContain('credential: SCRAM-SHA-512 user acme.billing, password in secret scram/acme.billing');
    expect(stdout).toContain('set at tenants/acme.yaml:31:5 (applications[1].quota)');
    const grant = (what: string) =>
      stdout
        .slice(stdout.indexOf(`    ${what}\n`))
        .split('\n')
        .slice(0, 4)
        .join('\n');
    expect(grant('Write on topics prefixed "acme."')).toContain(
      'from tenants/acme.yaml:29:16 (applications[1].produces[0])',
    );
    expect(grant('Read on topics prefixed "acme."')).toContain(
      'from tenants/acme.yaml:28:16 (applications[1].consumes[0])',
    );
    expect(grant('Read on groups prefixed "acme."')).toContain(
      'from tenants/acme.yaml:30:14 (applications[1].groups[0])',
    );
    expect(stdout).not.toMatch(/password:/);
  });

  it('accepts the principal as User:acme.billing too, and says when the quota is the tier default', async () => {
    expect((await explain('User:acme.billing')).stdout).toBe((await explain('acme.billing')).stdout);
    expect((await explain('acme.storefront')).stdout).toContain('(tier default topic-per-tenant)');
  });

  it('explains a topic: where it is declared and every principal that can reach it, by binding and operation', async () => {
    const { code, stdout } = await explain('acme.orders');
    expect(code).toBe(0);
    expect(stdout).toContain('declared at tenants/acme.yaml:11:5 (topics[0])');
    expect(stdout).toContain('reachable by (2):');
    expect(stdout).toContain('      Read on topics prefixed "acme." → Read, Describe\n');
    expect(stdout).toContain('    User:acme.storefront\n      Describe on topics prefixed "acme." → Describe\n');
    expect(stdout).toContain('        from tenants/acme.yaml:25:16 (applications[0].produces[0])');
    expect(stdout).toContain('        from tenants/acme.yaml:28:16 (applications[1].consumes[0])');
  });

  it('explains a shared topic: only its producers and the platform consumers that declared it', async () => {
    const { stdout } = await explain('shared.orders.shipped');
    expect(stdout).toContain('declared at environments/local.yaml:58:5 (sharedTopics[1])');
    expect(stdout).toContain('User:platform.analytics');
    expect(stdout).not.toContain('User:platform.fulfilment'); // it consumes orders.placed only
  });

  it('explains a platform consumer from the environment file', async () => {
    const { stdout } = await explain('platform.fulfilment');
    expect(stdout).toContain('principal User:platform.fulfilment (platform consumer fulfilment)');
    expect(stdout).toContain('declared at environments/local.yaml:66:5 (platformConsumers[1])');
    expect(stdout).toContain('    Read on topic "shared.orders.placed"\n');
    expect(stdout).toContain('from environments/local.yaml:67:16 (platformConsumers[1].consumes[0])');
  });

  it('explains a tenant: file, tier, cluster, then each principal and each topic', async () => {
    const { stdout } = await explain('acme');
    expect(stdout.split('\n').slice(0, 3)).toEqual([
      'tenant acme',
      '  declared at tenants/acme.yaml:3:5 (id)',
      '  tier topic-per-tenant, cluster shared',
    ]);
    for (const what of [
      'principal User:acme.billing',
      'principal User:acme.storefront',
      'topic acme.invoices',
      'topic acme.orders',
    ]) {
      expect(stdout).toContain(`\n  ${what} `);
    }
  });

  it('prints a stable JSON document with --json', async () => {
    const { code, stdout } = await explain('acme.billing', '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { name: string; results: Array<Record<string, unknown>> };
    expect(doc.name).toBe('acme.billing');
    expect(doc.results).toHaveLength(1);
    const [p] = doc.results as Array<{ kind: string; bindings: Array<{ operation: string; sources: unknown[] }> }>;
    expect(p?.kind).toBe('principal');
    expect(p?.bindings.find((b) => b.operation === 'Write')?.sources).toEqual([
      { col: 16, file: 'tenants/acme.yaml', line: 29, path: 'applications[1].produces[0]' },
    ]);
    expect((await explain('acme.billing', '--json')).stdout).toBe(stdout);
  });

  it('is a usage error (exit 2) for an unknown name, with a suggestion', async () => {
    const res = await explain('acme.biling');
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'error: no principal, topic or tenant named "acme.biling" in environment "local"; did you mean "acme.billing"?\n',
    );
  });
});
