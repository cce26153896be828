/**
 * A tenant moving between tiers, synthesized phase by phase (model/migration.ts `placements`, TenantStack): the
 * source keeps its construct paths and provider (adding the block changes nothing there), the target lives under
 * `migration-target` through an aliased provider, writes leave the source at cutover, the target's grants come at
 * done, and the source's credentials are revoked, never deleted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../../src/model';
import { synthesize } from '../../../src/stacks/synth';
import { makeRoot } from '../model/helpers';

interface StackJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  removed?: { from: string }[];
  provider?: { kafka?: { alias?: string; bootstrap_servers?: string[] }[] };
}

const ACME_TPT = `id: acme
owner: team-acme
contact: acme@example.com
tier: topic-per-tenant
classification: internal
topics:
  - name: orders
    partitions: 6
applications:
  - name: writer
    produces: [orders]
  - name: reader
    consumes: [orders]
    groups: [reader]
`;

const ACME_DEDICATED = (state: string, keep = true) =>
  ACME_TPT.replace('tier: topic-per-tenant', 'tier: dedicated\ncluster: dedicated-2') +
  `migration:\n  from: { tier: topic-per-tenant }\n  state: ${state}\n  keepSourceData: ${keep}\n`;

const SHOP_SHARED = `id: shop
owner: team-shop
contact: shop@example.com
tier: shared
classification: internal
applications:
  - name: checkout
    produces: [orders.placed]
`;

const SHOP_TPT = (state: string) => `id: shop
owner: team-shop
contact: shop@example.com
tier: topic-per-tenant
classification: internal
topics:
  - name: orders.placed
    partitions: 4
applications:
  - name: checkout
    produces: [orders.placed]
migration:
  from: { tier: shared }
  state: ${state}
  keepSourceData: true
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function synth(files: Record<string, string>, stack: string): StackJson {
  const root = makeRoot(files);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-migration-synth-'));
  dirs.push(out);
  synthesize(loadModel({ env: 'test', root }), out);
  return JSON.parse(fs.readFileSync(path.join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson;
}

/** Every resource as `type.logicalId` → attributes, minus cdktf metadata. */
function resources(j: StackJson): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [type, byId] of Object.entries(j.resource ?? {})) {
    for (const [id, attrs] of Object.entries(byId)) {
      const rest = Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== '//'));
      out.set(`${type}.${id}`, rest);
    }
  }
  return out;
}
const onTarget = (attrs: Record<string, unknown>) => attrs.provider === 'kafka.dedicated-2';
const acls = (j: StackJson) => [...resources(j)].filter(([k]) => k.startsWith('kafka_acl.'));

describe('topic-per-tenant → dedicated, phase by phase', () => {
  const before = synth({ 'acme.yaml': ACME_TPT }, 'acme');
  const copying = synth({ 'acme.yaml': ACME_DEDICATED('copying') }, 'acme');
  const cutover = synth({ 'acme.yaml': ACME_DEDICATED('cutover') }, 'acme');
  const done = synth({ 'acme.yaml': ACME_DEDICATED('done') }, 'acme');
  const doneDelete = synth({ 'acme.yaml': ACME_DEDICATED('done', false) }, 'acme');
  const aborted = synth({ 'acme.yaml': ACME_DEDICATED('aborted') }, 'acme');

  it('copying: everything on the source is exactly as before the block was added', () => {
    const was = resources(before);
    const now = resources(copying);
    for (const [address, attrs] of was) expect(now.get(address)).toEqual(attrs);
  });

  it('copying: the target gets topics, credentials and quotas through the aliased provider, and no ACL', () => {
    const added = [...resources(copying)].filter(([k]) => !resources(before).has(k));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every(([, a]) => onTarget(a))).toBe(true);
    const types = new Set(added.map(([k]) => k.split('.')[0]));
    expect([...types].sort()).toEqual(['kafka_quota', 'kafka_topic', 'kafka_user_scram_credential']);
    expect(copying.provider?.kafka?.some((p) => p.alias === 'dedicated-2')).toBe(true);
    // plan review tells the clusters apart by this prefix (review/review.ts)
    expect(added.every(([k]) => /^[a-z_]+\.migration-target_/.test(k))).toBe(true);
  });

  it('cutover: the source loses every Write and IdempotentWrite grant and keeps reading; the target still has none', () => {
    const ops = (j: StackJson) => acls(j).map(([, a]) => String(a.acl_operation));
    expect(ops(copying)).toContain('Write');
    expect(ops(cutover)).not.toContain('Write');
    expect(ops(cutover)).not.toContain('IdempotentWrite');
    expect(ops(cutover)).toContain('Read');
    expect(acls(cutover).some(([, a]) => onTarget(a))).toBe(false);
  });

  it('done: grants only on the target, source credentials revoked in place, source topics forgotten', () => {
    expect(acls(done).length).toBeGreaterThan(0);
    expect(acls(done).every(([, a]) => onTarget(a))).toBe(true);
    const sourceCreds = [...resources(done)].filter(
      ([k, a]) => k.startsWith('kafka_user_scram_credential.') && !onTarget(a),
    );
    expect(sourceCreds.map(([k]) => k).sort()).toEqual(
      [...resources(before)]
        .filter(([k]) => k.startsWith('kafka_user_scram_credential.'))
        .map(([k]) => k)
        .sort(),
    );
    expect(sourceCreds.every(([, a]) => String(a.password_wo).includes('sha512'))).toBe(true);
    const sourceTopics = [...resources(before)].filter(([k]) => k.startsWith('kafka_topic.')).map(([k]) => k);
    expect((done.removed ?? []).map((r) => r.from).sort()).toEqual(sourceTopics.sort());
    expect([...resources(done)].filter(([k, a]) => k.startsWith('kafka_topic.') && !onTarget(a))).toEqual([]);
  });

  it('done without keepSourceData: the source topics leave the configuration (deleted), nothing is forgotten', () => {
    expect(doneDelete.removed ?? []).toEqual([]);
    expect([...resources(doneDelete)].filter(([k, a]) => k.startsWith('kafka_topic.') && !onTarget(a))).toEqual([]);
  });

  it('aborted: the source is as before, the copies leave the target, the target credentials are revoked', () => {
    const was = resources(before);
    const now = resources(aborted);
    for (const [address, attrs] of was) expect(now.get(address)).toEqual(attrs);
    const target = [...now].filter(([, a]) => onTarget(a));
    expect(target.every(([k]) => k.startsWith('kafka_user_scram_credential.'))).toBe(true);
    expect(target.length).toBe(2);
  });

  it('one password variable per user, shared by both clusters', () => {
    const raw = JSON.stringify(copying);
    const variables = (copying as unknown as { variable: Record<string, unknown> }).variable;
    expect(
      Object.keys(variables).filter((v) => v.startsWith('scram_password_') && !v.endsWith('_version')).length,
    ).toBe(2);
    expect(raw).not.toMatch(/"password_wo":\s*"[^$]/);
  });
});

describe('shared → topic-per-tenant, on one cluster', () => {
  const before = synth({ 'shop.yaml': SHOP_SHARED }, 'shop');
  const copying = synth({ 'shop.yaml': SHOP_TPT('copying') }, 'shop');
  const cutover = synth({ 'shop.yaml': SHOP_TPT('cutover') }, 'shop');
  const done = synth({ 'shop.yaml': SHOP_TPT('done') }, 'shop');

  it('copying: the shared-tier grants stay, the own topic is created, no aliased provider', () => {
    const was = resources(before);
    const now = resources(copying);
    for (const [address, attrs] of was) expect(now.get(address)).toEqual(attrs);
    const topics = [...now].filter(([k]) => k.startsWith('kafka_topic.')).map(([, a]) => a.name);
    expect(topics).toEqual(['shop.orders.placed']);
    expect(copying.provider?.kafka?.length).toBe(1);
  });

  it('cutover: no grant left to write the shared topic', () => {
    expect(acls(cutover).filter(([, a]) => a.acl_operation === 'Write')).toEqual([]);
  });

  it('done: the tenant writes its own topic, not the shared one', () => {
    const writes = acls(done)
      .filter(([, a]) => a.acl_operation === 'Write')
      .map(([, a]) => `${String(a.resource_pattern_type_filter)}:${String(a.resource_name)}`);
    expect(writes.some((w) => w.includes('shop.'))).toBe(true);
    expect(writes.some((w) => w.includes('shared.'))).toBe(false);
  });
});
