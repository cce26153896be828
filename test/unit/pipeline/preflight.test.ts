/**
 * The one table of change rules (src/pipeline/preflight.ts) that validate --base, plan, deploy and
 * plan-review --base share: same code and message whichever command meets a finding first. The "before" comes
 * from a base revision's model or from a stack's state; both give the same findings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem } from '../../../src/errors';
import { loadModel } from '../../../src/model';
import type { Model } from '../../../src/model/types';
import { beforeFromState, beforesFromBase, CHANGE_RULES, changeProblems } from '../../../src/pipeline/preflight';
import type { StateResource } from '../../../src/terraform/json';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-preflight-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const tenant = (o: { topics: string; tier?: string; extra?: string }) => `id: acme
owner: team-acme
contact: acme@example.com
${o.tier ?? 'tier: topic-per-tenant'}
classification: internal
topics:
${o.topics}applications:
  - name: app
    produces: [orders]
${o.extra ?? ''}`;
const ORDERS = (partitions: number, approve = false) =>
  `  - name: orders\n    partitions: ${partitions}\n${approve ? '    allowDataLoss: true\n' : ''}`;
const INVOICES = '  - name: invoices\n    partitions: 3\n';

let n = 0;
function model(yaml: string): Model {
  const root = path.join(work, `p${n++}`);
  fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
  fs.writeFileSync(path.join(root, 'tenants', 'acme.yaml'), yaml);
  return loadModel({ env: 'local', root });
}
const stateOf = (m: Model): StateResource[] =>
  m.tenants[0].topics.map((t) => ({
    address: `kafka_topic.${t.logicalName}`,
    type: 'kafka_topic',
    name: t.logicalName,
    values: { name: t.name, partitions: t.partitions, replication_factor: 1 },
  }));
/** Findings against the base model and against the state that model deployed: they must agree. */
const findings = (before: Model, head: Model) => {
  const fromBase = changeProblems(beforesFromBase(before), head).map(formatProblem);
  const fromState = changeProblems([beforeFromState('acme', stateOf(before))], head).map(formatProblem);
  expect(fromState).toEqual(fromBase.filter((f) => !f.includes(': tier: '))); // the state holds no cluster
  return fromBase;
};

describe('change rules (one table for validate --base, plan, deploy, plan-review --base)', () => {
  const base = model(tenant({ topics: ORDERS(6) + INVOICES }));

  it('refuses a removed topic, naming the file and both retirement decisions', () => {
    expect(findings(base, model(tenant({ topics: ORDERS(6) })))).toEqual([
      'tenants/acme.yaml: topics: topic acme.invoices is deployed but no longer declared; removing a topic never deletes it. restore it under topics, or retire it under retiredTopics with deleteData: false (forget it, keep its records) or deleteData: true (delete it and its records)',
    ]);
  });

  it('lets a retired topic go, whichever the decision about its data', () => {
    for (const deleteData of [true, false]) {
      const retired = `retiredTopics:\n  - name: invoices\n    deleteData: ${deleteData}\n`;
      expect(findings(base, model(tenant({ topics: ORDERS(6), extra: retired })))).toEqual([]);
    }
  });

  it('refuses a partition decrease unless allowDataLoss approves recreating the topic', () => {
    expect(findings(base, model(tenant({ topics: ORDERS(3) + INVOICES })))).toEqual([
      'tenants/acme.yaml:7:5: topics[0].partitions: lowering partitions from 6 to 3 destroys the topic and its data; partitions can only grow. set allowDataLoss: true on the topic to approve recreating it',
    ]);
    expect(findings(base, model(tenant({ topics: ORDERS(3, true) + INVOICES })))).toEqual([]);
    expect(findings(base, model(tenant({ topics: ORDERS(12) + INVOICES })))).toEqual([]);
  });

  it('refuses a tier change that moves the tenant to another cluster', () => {
    const moved = model(tenant({ topics: ORDERS(6) + INVOICES, tier: 'tier: dedicated\ncluster: dedicated' }));
    expect(findings(base, moved)).toEqual([
      'tenants/acme.yaml: tier: moves the tenant from cluster "shared" to "dedicated"; applying would drop every topic, credential and ACL on the old cluster from state and leave them there unmanaged. revert the tier/cluster change; to move a tenant, decommission it on the old cluster first (lifecycle: decommissioning), then onboard it on the new one',
    ]);
  });

  it('lets a decommission with deleteDataOnDecommission delete every topic', () => {
    const gone = model(
      tenant({ topics: ORDERS(6) + INVOICES, extra: 'lifecycle: decommissioning\ndeleteDataOnDecommission: true\n' }),
    );
    expect(findings(base, gone)).toEqual([]);
  });

  it('has a code and a description for every rule, all distinct', () => {
    const codes = CHANGE_RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const r of CHANGE_RULES) expect(r.describe.length).toBeGreaterThan(20);
  });
});
