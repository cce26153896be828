import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../../src/model';
import type { Model, TenantModel } from '../../../src/model/types';
import { synthesize } from '../../../src/stacks/synth';

type StackJson = {
  provider: {
    kafka: Array<{
      bootstrap_servers: string[];
      sasl_password: string;
      tls_enabled: boolean;
      sasl_username?: string;
      skip_tls_verify?: boolean;
      ca_cert?: string;
    }>;
  };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  variable?: Record<string, { sensitive?: boolean }>;
};

function synthModel(model: Model): { dir: string; stack: (name: string) => StackJson; raw: (name: string) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-stacks-'));
  synthesize(model, dir);
  const raw = (name: string) => fs.readFileSync(path.join(dir, 'stacks', name, 'cdk.tf.json'), 'utf8');
  return { dir, raw, stack: (name) => JSON.parse(raw(name)) as StackJson };
}

const resources = (s: StackJson, type: string) => Object.values(s.resource?.[type] ?? {});

describe('stacks of the example fleet', () => {
  const model = loadModel({ env: 'local' });
  const out = synthModel(model);
  afterAll(() => fs.rmSync(out.dir, { recursive: true, force: true }));
  const byTier = (tier: TenantModel['tier']) => model.tenants.filter((t) => t.tier === tier);

  it('synthesizes one stack per tenant plus the platform stack', () => {
    expect(fs.readdirSync(path.join(out.dir, 'stacks')).sort()).toEqual(
      ['platform', ...model.tenants.map((t) => t.id)].sort(),
    );
  });

  it('points a dedicated tenant at its own cluster and nothing of it at the shared cluster', () => {
    const [t] = byTier('dedicated');
    const own = out.stack(t.id);
    expect(own.provider.kafka[0].bootstrap_servers).toEqual(model.env.clusters[t.cluster].bootstrapServers);
    expect(t.cluster).not.toBe(model.env.sharedCluster);
    for (const other of ['platform', ...model.tenants.filter((x) => x.id !== t.id).map((x) => x.id)]) {
      expect(out.raw(other)).not.toContain(`${t.id}.`);
    }
  });

  it('gives shared-tier tenants no topics of their own and never READ on shared topics', () => {
    for (const t of byTier('shared')) {
      const s = out.stack(t.id);
      expect(resources(s, 'kafka_topic')).toEqual([]);
      const reads = resources(s, 'kafka_acl').filter((a) => a.acl_operation === 'Read');
      expect(reads).toEqual([]);
    }
  });

  it('lets only platform consumers read the shared topics', () => {
    const s = out.stack('platform');
    const readers = new Set(
      resources(s, 'kafka_acl')
        .filter((a) => a.acl_operation === 'Read' && a.resource_type === 'Topic')
        .map((a) => a.acl_principal),
    );
    expect([...readers].sort()).toEqual(model.platform.consumers.map((c) => c.principal).sort());
  });

  it('keeps at most 6 ACL bindings per principal on shared-cluster tiers', () => {
    for (const t of model.tenants.filter((x) => x.tier !== 'dedicated')) {
      const acls = resources(out.stack(t.id), 'kafka_acl');
      const per = new Map<unknown, number>();
      acls.forEach((a) => per.set(a.acl_principal, (per.get(a.acl_principal) ?? 0) + 1));
      for (const n of per.values()) expect(n).toBeLessThanOrEqual(6);
    }
  });

  it('never writes a password into synthesized JSON: every password is a sensitive variable', () => {
    for (const name of ['platform', ...model.tenants.map((t) => t.id)]) {
      const s = out.stack(name);
      // the platform stack logs in as the admin (it bootstraps the operators), tenant stacks as the deployer
      expect(s.provider.kafka[0].sasl_password).toMatch(
        name === 'platform' ? /^\$\{var\.admin_password_[a-z_]+\}$/ : /^\$\{var\.deployer_password_[a-z_]+\}$/,
      );
      expect(s.provider.kafka[0].sasl_username).toBe('${var.kafka_user}');
      expect(s.variable?.kafka_user).toMatchObject({ default: name === 'platform' ? 'admin' : 'platform-deployer' });
      for (const c of resources(s, 'kafka_user_scram_credential')) {
        expect(c.password).toBeUndefined();
        expect(c.password_wo).toMatch(/^\$\{var\.scram_password_[a-z0-9_-]+\}$/);
      }
      for (const [v, def] of Object.entries(s.variable ?? {})) {
        // the CA bundle of a SASL_SSL cluster is public (and a variable, like every TLS material)
        // and who the provider logs in as is a name, not a secret
        if (!v.endsWith('_version') && !v.startsWith('tls_ca_') && v !== 'kafka_user') expect(def.sensitive).toBe(true);
      }
    }
  });

  it('talks TLS with verification to a SASL_SSL cluster, and plain SASL to the others', () => {
    for (const name of ['platform', ...model.tenants.map((t) => t.id)]) {
      const provider = out.stack(name).provider.kafka[0];
      const cluster = name === 'platform' ? model.env.sharedCluster : model.tenants.find((t) => t.id === name)!.cluster;
      if (model.env.clusters[cluster].security.protocol === 'SASL_SSL') {
        expect(provider.tls_enabled).toBe(true);
        expect(provider.skip_tls_verify).toBe(false);
        expect(provider.ca_cert).toBe(`\${var.tls_ca_${cluster}}`);
        expect(out.stack(name).variable?.[`tls_ca_${cluster}`]).toMatchObject({ type: 'string', nullable: false });
      } else {
        expect(provider.tls_enabled).toBe(false);
        expect(provider.ca_cert).toBeUndefined();
      }
    }
  });

  it('writes the dedicated-partition map for the runtime SDK', () => {
    const map = JSON.parse(fs.readFileSync(path.join(out.dir, 'partition-map.json'), 'utf8'));
    expect(map).toEqual(model.partitionMap);
  });
});

describe('a decommissioning tenant', () => {
  const base = loadModel({ env: 'local' });
  const acme = base.tenants.find((t) => t.id === 'acme')!;
  const withAcme = (t: TenantModel): Model => ({
    ...base,
    tenants: base.tenants.map((x) => (x.id === 'acme' ? t : x)),
  });

  it('keeps only its topics, still protected, and its credentials, revoked, when data is retained', () => {
    const out = synthModel(withAcme({ ...acme, lifecycle: 'decommissioning', deleteData: false }));
    const s = out.stack('acme');
    expect(Object.keys(s.resource ?? {}).sort()).toEqual(['kafka_topic', 'kafka_user_scram_credential']);
    const credentials = resources(s, 'kafka_user_scram_credential');
    expect(credentials.length).toBe(acme.principals.length);
    for (const c of credentials) {
      // a password nobody knows: derived from a random per-run ephemeral variable, write-only
      expect(c.password_wo).toBe(`\${sha512("\${var.scram_revocation_secret}:${String(c.username)}")}`);
      expect(c.password_wo_version).toBe('revoked');
    }
    expect(Object.keys(s.variable ?? {}).filter((v) => v.startsWith('scram_'))).toEqual(['scram_revocation_secret']);
    expect(s.variable!.scram_revocation_secret).toMatchObject({ ephemeral: true, sensitive: true, nullable: false });
    expect(
      resources(s, 'kafka_topic').every((t) => (t.lifecycle as { prevent_destroy: boolean }).prevent_destroy),
    ).toBe(true);
    fs.rmSync(out.dir, { recursive: true, force: true });
  });

  it('keeps only its revoked credentials when its file records the decision to delete data', () => {
    const out = synthModel(withAcme({ ...acme, lifecycle: 'decommissioning', deleteData: true }));
    expect(Object.keys(out.stack('acme').resource ?? {})).toEqual(['kafka_user_scram_credential']);
    fs.rmSync(out.dir, { recursive: true, force: true });
  });
});
