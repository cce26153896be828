/** A small model for the verification suite's unit tests, built from inline tenant files and the test environment. */
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildModel } from '../../../src/model/build';
import { readEnvironment } from '../../../src/model/environment';
import { decodeTenant } from '../../../src/model/load';
import type { Model } from '../../../src/model/types';
import type { LiveAcl } from '../../../src/verify/acl-diff';
import type { CheckResult, VerificationReport } from '../../../src/verify/types';
import { summarize } from '../../../src/verify/report';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');

const TENANTS = [
  `
id: acme
owner: team-acme
contact: acme@example.com
tier: topic-per-tenant
classification: internal
topics:
  - name: orders
applications:
  - name: billing
    consumes: [orders]
    produces: [orders]
    groups: [billing]
`,
  `
id: acme-eu
owner: team-acme-eu
contact: acme-eu@example.com
tier: topic-per-tenant
classification: internal
topics:
  - name: orders
applications:
  - name: writer
    produces: [orders]
`,
  `
id: shop
owner: team-shop
contact: shop@example.com
tier: shared
classification: public
applications:
  - name: web
    produces: [orders.placed]
`,
];

/** A dedicated-tier tenant on the `dedicated` cluster, for `smallModel({ withDedicated: true })`. */
const DEDICATED = `
id: bank
owner: team-bank
contact: bank@example.com
tier: dedicated
cluster: dedicated
classification: regulated
topics:
  - name: ledger
applications:
  - name: core
    produces: [ledger]
    consumes: [ledger]
    groups: [core]
`;

export interface SmallModelOptions {
  /** Extra top-level YAML per tenant id, e.g. `{ acme: 'lifecycle: decommissioning' }`. */
  readonly extra?: Readonly<Record<string, string>>;
  /** Add the dedicated tenant `bank`. */
  readonly withDedicated?: boolean;
}

export function smallModel(opts: SmallModelOptions = {}): Model {
  const env = readEnvironment('test', FIXTURES);
  const sources = [...TENANTS, ...(opts.withDedicated ? [DEDICATED] : [])];
  const tenants = sources.map((source) => {
    const id = (parseYaml(source) as { id: string }).id;
    const yaml = opts.extra?.[id] ? `${source}\n${opts.extra[id]}\n` : source;
    const { tenant } = decodeTenant(`tenants/${id}.yaml`, yaml);
    if (!tenant) throw new Error(`fixture ${id} does not decode`);
    return tenant;
  });
  return buildModel(env, tenants);
}

/** The live bindings a correct deployment of the model has: exactly the derived ones, on each principal's cluster. */
export function liveFromModel(model: Model): LiveAcl[] {
  const principals = [
    ...model.tenants.flatMap((t) => t.principals.map((p) => ({ p, cluster: t.cluster }))),
    ...model.platform.consumers.map((p) => ({ p, cluster: model.env.sharedCluster })),
  ];
  return principals.flatMap(({ p, cluster }) =>
    p.acls.map((b) => ({
      cluster,
      principal: b.principal,
      host: b.host,
      resourceType: b.resourceType,
      patternType: b.patternType,
      resourceName: b.resourceName,
      operation: b.operation,
      permission: b.permission,
    })),
  );
}

export function result(over: Partial<CheckResult> & Pick<CheckResult, 'id' | 'status'>): CheckResult {
  return {
    tenant: 'acme',
    category: 'negative',
    description: 'acme.billing cannot produce to globex',
    cluster: 'shared',
    expected: 'TOPIC_AUTHORIZATION_FAILED',
    observed: over.status === 'pass' ? 'TOPIC_AUTHORIZATION_FAILED' : 'success',
    details: [],
    durationMs: 12,
    ...over,
  };
}

export function report(results: CheckResult[], over: Partial<VerificationReport> = {}): VerificationReport {
  const summary = summarize(results);
  return {
    environment: 'local',
    runId: 'abcd1234',
    seed: 'kafka-tenancy',
    scope: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    wallTimeMs: 4321,
    concurrency: 4,
    quotasChecked: true,
    results,
    summary,
    notes: ['cross-tenant pairs: all 2 ordered tenant pairs'],
    ok: summary.failed === 0 && summary.errors === 0 && summary.checks > 0,
    ...over,
  };
}
