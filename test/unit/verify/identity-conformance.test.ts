import { Testing, TerraformStack } from 'cdktf';
import { ScramPrincipal } from '../../../src/constructs/scram-principal';
import type { Model } from '../../../src/model/types';
import type { SecretSource } from '../../../src/secrets';
import type { ClientQuotaEntry, ScramCredentialInfo } from '../../../src/verify/admin-protocol';
import { conformanceChecks } from '../../../src/verify/checks/conformance';
import { type IdentitySnapshot, PRINCIPAL_SCRAM, VerifyContext } from '../../../src/verify/context';
import { Scope } from '../../../src/verify/scope';
import type { Check, CheckOutcome } from '../../../src/verify/types';
import { smallModel } from './fixtures';

const noSecrets: SecretSource = {
  get: () => undefined,
  getOrCreate: () => {
    throw new Error('no secrets in unit tests');
  },
};

const ADMIN: ScramCredentialInfo = { mechanism: 'SCRAM-SHA-512', iterations: 4096 };

/** What a correct deployment of the model holds: per cluster the admin and its principals, each with its quota. */
class FakeIdentities {
  readonly users = new Map<string, Map<string, ScramCredentialInfo[]>>();
  readonly quotas = new Map<string, ClientQuotaEntry[]>();

  constructor(readonly model: Model) {
    for (const c of Object.keys(model.env.clusters)) {
      // the admin, and the operator principals the platform stack makes on every cluster
      this.users.set(
        c,
        new Map([
          ['admin', [ADMIN]],
          ['platform-deployer', [PRINCIPAL_SCRAM]],
          ['platform-planner', [PRINCIPAL_SCRAM]],
        ]),
      );
      this.quotas.set(c, []);
    }
    const placed = [
      ...model.tenants.flatMap((t) =>
        t.principals.map((p) => ({ p, cluster: t.cluster, active: t.lifecycle === 'active' })),
      ),
      ...model.platform.consumers.map((p) => ({ p, cluster: model.env.sharedCluster, active: true })),
    ];
    for (const { p, cluster, active } of placed) {
      this.users.get(cluster)!.set(p.username, [PRINCIPAL_SCRAM]);
      if (active) {
        this.quotas.get(cluster)!.push({
          entity: [{ entityType: 'user', entityName: p.username }],
          values: {
            producer_byte_rate: p.quota.producerByteRate,
            consumer_byte_rate: p.quota.consumerByteRate,
            request_percentage: p.quota.requestPercentage,
          },
        });
      }
    }
  }

  quota(cluster: string, user: string): ClientQuotaEntry {
    return this.quotas.get(cluster)!.find((q) => q.entity[0]?.entityName === user && q.entity.length === 1)!;
  }

  snapshot(cluster: string): IdentitySnapshot {
    return { cluster, scramUsers: this.users.get(cluster)!, quotas: this.quotas.get(cluster)! };
  }

  context(): VerifyContext {
    const ctx = new VerifyContext(this.model, noSecrets);
    jest.spyOn(ctx, 'identities').mockImplementation(async (cluster) => this.snapshot(cluster));
    return ctx;
  }
}

const IDENTITY = /^conformance\.(scram-users|scram-credential|quota|quota-entities):/;

function identityChecks(fake: FakeIdentities, tenants: string[] = []): Check[] {
  const ctx = fake.context();
  return conformanceChecks(ctx, new Scope(fake.model, tenants), ctx.actors()).filter((c) => IDENTITY.test(c.id));
}

async function run(fake: FakeIdentities, tenants: string[] = []): Promise<Map<string, CheckOutcome>> {
  const out = new Map<string, CheckOutcome>();
  for (const c of identityChecks(fake, tenants)) out.set(c.id, await c.run());
  return out;
}

const failing = (results: Map<string, CheckOutcome>) =>
  [...results].filter(([, r]) => r.status === 'fail').map(([id]) => id);

describe('identity conformance: SCRAM users and client quotas', () => {
  const model = smallModel({ withDedicated: true });

  it('plans one credential and one quota check per principal, and two cluster-wide checks per cluster', () => {
    const ids = identityChecks(new FakeIdentities(model)).map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'conformance.scram-credential:acme.billing',
        'conformance.quota:acme.billing',
        'conformance.scram-credential:bank.core',
        'conformance.quota:platform.analytics',
        'conformance.scram-users:shared',
        'conformance.scram-users:dedicated-2',
        'conformance.quota-entities:dedicated',
      ]),
    );
  });

  it('passes on exactly what the model declares', async () => {
    const results = await run(new FakeIdentities(model));
    expect(failing(results)).toEqual([]);
    expect(results.get('conformance.quota:acme.billing')!.observed).toBe(
      'consumer_byte_rate=2097152 producer_byte_rate=1048576 request_percentage=50 on shared',
    );
  });

  it('leaves the cluster-wide checks out of a scoped run (its root may declare only part of the fleet)', () => {
    const ids = identityChecks(new FakeIdentities(model), ['acme']).map((c) => c.id);
    expect(ids.sort()).toEqual(['conformance.quota:acme.billing', 'conformance.scram-credential:acme.billing']);
  });

  it('fails scram-users on a SCRAM user no tenant file declares, even one without ACLs or quota', async () => {
    const fake = new FakeIdentities(model);
    fake.users.get('shared')!.set('intruder', [PRINCIPAL_SCRAM]);
    const results = await run(fake);
    expect(failing(results)).toEqual(['conformance.scram-users:shared']);
    expect(results.get('conformance.scram-users:shared')!.details).toEqual([
      'extra: intruder (SCRAM-SHA-512, 8192 iterations): no tenant file or platform consumer declares it',
    ]);
  });

  it("fails both the principal's check and the foreign cluster's on a credential on the wrong cluster", async () => {
    const fake = new FakeIdentities(model);
    fake.users.get('dedicated')!.set('acme.billing', [PRINCIPAL_SCRAM]);
    const results = await run(fake);
    expect(failing(results).sort()).toEqual([
      'conformance.scram-credential:acme.billing',
      'conformance.scram-users:dedicated',
    ]);
    expect(results.get('conformance.scram-credential:acme.billing')!.observed).toBe(
      'present on dedicated (SCRAM-SHA-512, 8192 iterations): it lives on shared',
    );
    expect(results.get('conformance.scram-users:dedicated')!.details).toEqual([
      'misplaced: acme.billing (acme) lives on shared',
    ]);
  });

  it('fails on a missing credential, another mechanism or other iterations', async () => {
    const fake = new FakeIdentities(model);
    fake.users.get('shared')!.delete('acme.billing');
    fake.users.get('shared')!.set('shop.web', [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }]);
    fake.users.get('dedicated')!.set('bank.core', [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }]);
    const results = await run(fake);
    expect(failing(results).sort()).toEqual([
      'conformance.scram-credential:acme.billing',
      'conformance.scram-credential:bank.core',
      'conformance.scram-credential:shop.web',
      'conformance.scram-users:shared',
    ]);
    expect(results.get('conformance.scram-credential:bank.core')!.observed).toBe(
      'dedicated: credential SCRAM-SHA-512, 4096 iterations: declared SCRAM-SHA-512, 8192 iterations',
    );
    expect(results.get('conformance.scram-users:shared')!.details).toEqual(['missing: acme.billing (acme)']);
  });

  it('fails the quota check on a raised, a deleted, or an extra quota key', async () => {
    const fake = new FakeIdentities(model);
    const raised = fake.quota('shared', 'platform.analytics');
    (raised.values as Record<string, number>).producer_byte_rate *= 100;
    fake.quotas.set(
      'shared',
      fake.quotas.get('shared')!.filter((q) => q.entity[0]?.entityName !== 'acme.billing'),
    );
    (fake.quota('dedicated', 'bank.core').values as Record<string, number>).controller_mutation_rate = 10;
    const results = await run(fake);
    expect(failing(results).sort()).toEqual([
      'conformance.quota:acme.billing',
      'conformance.quota:bank.core',
      'conformance.quota:platform.analytics',
    ]);
    expect(results.get('conformance.quota:platform.analytics')!.observed).toBe(
      'shared: producer_byte_rate: declared 5242880, live 524288000',
    );
    expect(results.get('conformance.quota:acme.billing')!.observed).toBe(
      'no user quota on shared: the broker does not throttle it',
    );
    expect(results.get('conformance.quota:bank.core')!.observed).toBe(
      'dedicated: controller_mutation_rate=10: a quota the model does not declare',
    );
  });

  it('fails quota-entities on a <default> user quota, a client-id quota or a quota for an unknown user', async () => {
    const fake = new FakeIdentities(model);
    fake.quotas
      .get('shared')!
      .push(
        { entity: [{ entityType: 'user', entityName: null }], values: { producer_byte_rate: 1e9 } },
        { entity: [{ entityType: 'client-id', entityName: 'web' }], values: { consumer_byte_rate: 1 } },
        { entity: [{ entityType: 'user', entityName: 'ghost' }], values: { request_percentage: 10 } },
      );
    const results = await run(fake);
    expect(failing(results)).toEqual(['conformance.quota-entities:shared']);
    expect(results.get('conformance.quota-entities:shared')!.details).toEqual([
      'user=<default>: producer_byte_rate=1000000000: a default quota: it applies to every entity without its own (the operator accounts included)',
      'client-id=web: consumer_byte_rate=1: a quota entity the model never declares',
      'user=ghost: request_percentage=10: no tenant file or platform consumer declares this user',
    ]);
  });

  it("fails the principal's quota check on a user/client-id quota, which takes precedence over its user quota", async () => {
    const fake = new FakeIdentities(model);
    fake.quotas.get('shared')!.push({
      entity: [
        { entityType: 'user', entityName: 'acme.billing' },
        { entityType: 'client-id', entityName: null },
      ],
      values: { producer_byte_rate: 1e9 },
    });
    const results = await run(fake);
    expect(failing(results).sort()).toEqual(['conformance.quota-entities:shared', 'conformance.quota:acme.billing']);
  });

  it("accepts a decommissioning tenant's revoked credential on its own cluster, and wants its quota gone", async () => {
    const fake = new FakeIdentities(smallModel({ extra: { acme: 'lifecycle: decommissioning' } }));
    expect(failing(await run(fake))).toEqual([]);
    fake.users.get('shared')!.delete('acme.billing');
    expect(failing(await run(fake))).toEqual([]);
    fake.quotas.get('shared')!.push({
      entity: [{ entityType: 'user', entityName: 'acme.billing' }],
      values: { producer_byte_rate: 1 },
    });
    expect(failing(await run(fake)).sort()).toEqual([
      'conformance.quota-entities:shared',
      'conformance.quota:acme.billing',
    ]);
  });
});

describe('PRINCIPAL_SCRAM', () => {
  it('is what ScramPrincipal asks the provider for', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    new ScramPrincipal(stack, 'p', { username: 'acme.billing' });
    const synth = JSON.parse(Testing.synth(stack)) as {
      resource: { kafka_user_scram_credential: Record<string, { scram_mechanism: string; scram_iterations: number }> };
    };
    const [c] = Object.values(synth.resource.kafka_user_scram_credential);
    expect({ mechanism: c!.scram_mechanism, iterations: c!.scram_iterations }).toEqual(PRINCIPAL_SCRAM);
  });
});
