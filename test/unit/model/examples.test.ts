/** The example fleet in tenants/ against environments/local.yaml: it must stay valid and show every tier. */
import * as path from 'node:path';
import { aclViolations, MAX_BINDINGS_PER_PRINCIPAL } from '../../../src/model/acl';
import { loadModel } from '../../../src/model/build';

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
      for (const acl of p.acls) expect([acl.id, aclViolations(acl)]).toEqual([acl.id, []]);
    }
  });

  it('give every ACL a unique id', () => {
    const ids = [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers].flatMap((p) =>
      p.acls.map((a) => a.id),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});
