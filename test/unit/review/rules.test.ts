/**
 * The layers of plan review: typed changes from the plan JSON, risk rules as data (one per code, the most severe
 * finding they may report), renderers that print what the rules found and decide nothing from text.
 */
import * as fs from 'node:fs';
import {
  RISK_RULES,
  SENSITIVE,
  planChanges,
  renderText,
  reviewJson,
  reviewPlans,
  summaryLine,
  type RiskCode,
  type Severity,
  type StackContext,
  type TfPlan,
} from '../../../src/review';
import { FIXTURES, acme, ctxOf, fixture } from './helpers';

const FIXTURE_NAMES = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

const SEVERITY_RANK: Record<Severity, number> = { blocker: 0, high: 1, warning: 2, info: 3 };

describe('typed changes', () => {
  it('turns a new tenant plan into topic, principal, ACL and quota changes with typed values', () => {
    const s = planChanges({ stack: 'acme', plan: fixture('new-tenant') }, acme());
    expect(s.tenant).toBe('acme');
    expect(s.changes.map((c) => `${c.resource} ${c.operation}`).sort()).toEqual([
      'acl add',
      'acl add',
      'acl add',
      'acl add',
      'principal add',
      'quota add',
      'topic add',
    ]);
    const acl = s.changes.find((c) => c.resource === 'acl');
    expect(acl?.before).toBeUndefined();
    expect(acl?.after).toEqual(expect.objectContaining({ principal: 'User:acme.app', patternType: 'Prefixed' }));
    const topic = s.changes.find((c) => c.resource === 'topic');
    expect(topic?.after).toEqual(expect.objectContaining({ name: 'acme.orders', partitions: 3 }));
  });

  it('knows the platform stack from the model, not from its name or file', () => {
    const platform = acme({ stack: 'acme', kind: 'platform' });
    expect(planChanges({ stack: 'acme', plan: fixture('new-tenant') }, platform).tenant).toBeUndefined();
  });

  it('keeps what redaction hid as "(sensitive)"', () => {
    const plan = fixture('credential-rotation');
    const s = planChanges({ stack: 'acme', plan }, acme());
    expect(s.changes.every((c) => c.resource === 'principal')).toBe(true);
    expect(JSON.stringify(s)).not.toContain('fixture-');
    expect(SENSITIVE).toBe('(sensitive)');
  });
});

describe('risk rules as data', () => {
  it('has one rule per code, each with a description', () => {
    for (const [code, rule] of Object.entries(RISK_RULES)) {
      expect(`${code}: ${rule.description}`).toMatch(/^[a-z-]+: \S/);
    }
  });

  it.each(FIXTURE_NAMES)('reports for %s only codes of the table, never more severe than the rule says', (name) => {
    const contexts: (StackContext | undefined)[] = [
      acme(),
      acme({ lifecycle: 'decommissioning' }),
      acme({ lifecycle: 'decommissioning', deleteData: true }),
      undefined,
      acme({
        tier: 'dedicated',
        cluster: 'dedicated',
        base: { tier: 'topic-per-tenant', cluster: 'shared', topics: {} },
      }),
    ];
    for (const ctx of contexts) {
      const review = reviewPlans([{ stack: 'acme', plan: fixture(name) }], ctx ? ctxOf(ctx) : ctxOf());
      for (const r of review.stacks.flatMap((s) => s.risks)) {
        const rule = RISK_RULES[r.code];
        expect(rule).toBeDefined();
        expect(SEVERITY_RANK[r.severity]).toBeGreaterThanOrEqual(SEVERITY_RANK[rule.severity]);
        expect(r.message).toBe(rule.label ? `${rule.label}: ${r.detail}` : r.detail);
      }
    }
  });

  it('finds every code of the table in the fixtures and a few hand-made changes', () => {
    const rc = (type: string, actions: string[], before: object | null, after: object | null) => ({
      address: `${type}.x`,
      type,
      name: 'x',
      change: { actions, before, after },
    });
    const cred = { username: 'acme.app', scram_mechanism: 'SCRAM-SHA-512', password_wo_version: '1' };
    const topic = { name: 'acme.orders', partitions: 3, replication_factor: 1, config: {} };
    const handMade = {
      resource_changes: [
        rc('kafka_user_scram_credential', ['delete', 'create'], cred, cred),
        rc('kafka_user_scram_credential', ['update'], cred, { ...cred, password_wo_version: 'revoked' }),
        rc('kafka_quota', ['delete'], { entity_name: 'acme.other', entity_type: 'user', config: {} }, null),
        rc('kafka_topic', ['update'], topic, { ...topic, replication_factor: 3 }),
      ],
    } as unknown as TfPlan;
    const seen = new Set<RiskCode>();
    const ctxs = [
      acme(),
      acme({ topics: {} }),
      acme({ tier: 'shared', base: { tier: 'topic-per-tenant', cluster: 'shared', topics: {} } }),
    ];
    for (const plan of [...FIXTURE_NAMES.map(fixture), handMade]) {
      for (const ctx of ctxs) {
        const review = reviewPlans([{ stack: 'acme', plan }], ctxOf(ctx));
        review.stacks.flatMap((s) => s.risks).forEach((r) => seen.add(r.code));
      }
    }
    expect((Object.keys(RISK_RULES) as RiskCode[]).filter((c) => !seen.has(c))).toEqual([]);
  });

  it('gives the problem text of a data loss without its label, as a field', () => {
    const review = reviewPlans([{ stack: 'acme', plan: fixture('partition-decrease') }], ctxOf(acme()));
    const [b] = review.blockers;
    expect(b.message).toBe(`DATA LOSS: ${b.detail}`);
    expect(b.detail).toMatch(/^topic acme\.orders is deleted and re-created empty/);
  });
});

describe('renderers', () => {
  const platform: StackContext = { ...acme({ stack: 'platform', kind: 'platform', file: 'somewhere/else.yaml' }) };
  const review = reviewPlans(
    [
      { stack: 'acme', plan: fixture('new-tenant') },
      { stack: 'platform', plan: fixture('quota-raise') },
    ],
    ctxOf(acme(), platform),
  );

  it('counts the platform stack by its kind, whatever its file', () => {
    expect(summaryLine(review)).toBe('1 tenant added, platform changed');
  });

  it('prints JSON without internal fields', () => {
    const json = JSON.stringify(reviewJson(review));
    expect(json).not.toContain('"kind":"platform"');
    expect(json).not.toContain('"detail"');
    expect(Object.keys((reviewJson(review) as { stacks: object[] }).stacks[0])).toEqual([
      'stack',
      'file',
      'status',
      'counts',
      'items',
      'risks',
    ]);
  });

  it('prints text through the table it is given, code spans as plain words', () => {
    const rows: string[][] = [];
    const table = (head: string[]) => ({
      push: (...r: string[][]) => rows.push(...r),
      toString: () => [head, ...rows.splice(0)].map((r) => r.join(' | ')).join('\n'),
    });
    const text = renderText(review, table);
    expect(text.split('\n')[0]).toBe('2 stack(s): 1 tenant added, platform changed');
    expect(text).toContain('+ | topic | acme.orders | 3 partitions, replication factor 1, retention 7 d');
    expect(text).toContain('  [warning] quota-window: ');
    expect(text).not.toContain('`');
  });
});
