/**
 * The example fleet in tenants/ against environments/local.yaml: it must stay valid, show every tier and give
 * editors completion (the committed schema and the line in every file that points at it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { aclPolicyFindings, MAX_BINDINGS_PER_PRINCIPAL } from '../../../src/acl';
import { loadModel } from '../../../src/model/build';
import { loadTenantFiles } from '../../../src/model/load';
import { tenantJsonSchema } from '../../../src/model/tenant-schema';

const root = path.join(__dirname, '..', '..', '..');
const model = loadModel({ env: 'local', root });

describe('example tenants', () => {
  it('load without problems', () => {
    expect(model.tenants.length).toBeGreaterThanOrEqual(6);
  });

  it('cover all three tiers', () => {
    expect(new Set(model.tenants.map((t) => t.tier))).toEqual(new Set(['dedicated', 'topic-per-tenant', 'shared']));
  });

  it('include a transactional producer, a compacted topic, encrypted pii on shared and reserved partitions', () => {
    const principals = model.tenants.flatMap((t) => t.principals);
    expect(principals.some((p) => p.transactionalIds.length > 0)).toBe(true);
    expect(model.tenants.some((t) => t.topics.some((x) => x.config['cleanup.policy'] === 'compact'))).toBe(true);
    expect(model.tenants.some((t) => t.tier === 'shared' && t.classification === 'pii' && t.encryption)).toBe(true);
    expect(model.tenants.some((t) => t.dedicatedPartitions.length > 0)).toBe(true);
  });

  it('derive only safe ACLs, at most six per principal', () => {
    const principals = [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers];
    for (const p of principals) {
      expect(p.acls.length).toBeLessThanOrEqual(MAX_BINDINGS_PER_PRINCIPAL);
      for (const acl of p.acls) expect([acl.id, aclPolicyFindings(acl)]).toEqual([acl.id, []]);
    }
  });

  it('give every ACL a unique id', () => {
    const ids = [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers].flatMap((p) =>
      p.acls.map((a) => a.id),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('editor support in tenants/', () => {
  const tenantsDir = path.join(root, 'tenants');
  const schemaFile = path.join(tenantsDir, 'tenant.schema.json');
  const MODELINE = '# yaml-language-server: $schema=./tenant.schema.json';

  it('commits tenant.schema.json exactly as `kafka-tenancy schema --write` writes it', () => {
    const committed = fs.existsSync(schemaFile) ? fs.readFileSync(schemaFile, 'utf8') : '(missing)';
    if (committed !== JSON.stringify(tenantJsonSchema(), null, 2) + '\n') {
      throw new Error(
        'tenants/tenant.schema.json is missing or stale (the tenant schema changed); run `npx kafka-tenancy schema --write` and commit the file',
      );
    }
  });

  it('does not load tenant.schema.json as a tenant', () => {
    const { tenants, problems } = loadTenantFiles(tenantsDir, root);
    expect(problems).toEqual([]);
    expect(tenants.map((t) => t.file)).not.toContain('tenants/tenant.schema.json');
  });

  it('starts every tenant file with the line that points editors at the schema', () => {
    const files = fs.readdirSync(tenantsDir).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const without = files.filter((f) => fs.readFileSync(path.join(tenantsDir, f), 'utf8').split('\n')[0] !== MODELINE);
    expect(without).toEqual([]);
  });
});
