import {
  formatDuration,
  formatRate,
  renderMarkdown,
  reviewPlans,
  type ReviewContext,
  type PlanReview,
  type Risk,
} from '../../../src/review';
import { SENSITIVE, type TfPlan } from '../../../src/review';
import { redactPlan } from '../../../src/terraform/json';
import { acme, ctxOf, fixture } from './helpers';

const review = (name: string, ctx: ReviewContext = ctxOf(acme()), stack = 'acme'): PlanReview =>
  reviewPlans([{ stack, plan: fixture(name) }], ctx);
const risks = (r: PlanReview, code?: Risk['code']): Risk[] =>
  r.stacks.flatMap((s) => s.risks).filter((x) => !code || x.code === code);

describe('plan review', () => {
  describe('a new tenant', () => {
    const r = review('new-tenant', ctxOf(acme()));

    it('reports the stack as one tenant added, with every resource as an addition', () => {
      expect(r.stacks[0].status).toBe('added');
      expect(r.stacks[0].counts).toEqual({ add: 7, change: 0, replace: 0, remove: 0, forget: 0, keep: 0 });
      expect(renderMarkdown(r)).toContain('1 tenant added');
    });

    it('describes topics, principals, ACLs and quotas in human terms', () => {
      const lines = r.stacks[0].items.map((i) => `${i.kind} ${i.subject}: ${i.summary}`);
      expect(lines).toContain('topic acme.orders: 3 partitions, replication factor 1, retention 7 d');
      expect(lines).toContain('principal acme.app: new SCRAM-SHA-512 credential, 8192 iterations');
      expect(lines).toContain('acl acme.app: Write on topics prefixed "acme."');
      expect(lines).toContain('quota acme.app: produce 1 MiB/s, fetch 2 MiB/s, 50 % request time');
    });

    it('lists the new principal and its grants as an informational widening, and blocks nothing', () => {
      const w = risks(r, 'acl-widening');
      expect(w).toHaveLength(1);
      expect(w[0].severity).toBe('info');
      expect(w[0].message).toMatch(/^new principal acme\.app gets 4 grant\(s\)/);
      expect(r.ok).toBe(true);
    });
  });

  describe('quotas', () => {
    it('flags a quota change as a delete + create window, with the direction of each limit', () => {
      const r = review('quota-raise');
      const [q] = risks(r, 'quota-window');
      expect(q.severity).toBe('warning');
      expect(q.message).toContain('unthrottled between the two calls');
      expect(q.message).toContain('produce 1 MiB/s → 2 MiB/s (raised)');
      expect(r.stacks[0].items).toEqual([
        expect.objectContaining({
          kind: 'quota',
          change: 'replace',
          subject: 'acme.app',
          summary: 'produce 1 MiB/s → 2 MiB/s (raised)',
        }),
      ]);
      expect(r.ok).toBe(true);
    });
  });

  describe('topics: data loss', () => {
    it('blocks a partition decrease the tenant file does not approve, naming the cause and the fix', () => {
      const r = review('partition-decrease');
      expect(r.ok).toBe(false);
      expect(r.blockers).toHaveLength(1);
      expect(r.blockers[0].message).toContain(
        'DATA LOSS: topic acme.orders is deleted and re-created empty (partition decrease 3 → 2)',
      );
      expect(r.blockers[0].message).toContain('set allowDataLoss: true on the topic in tenants/acme.yaml');
    });

    it('lets a partition decrease through when the topic has allowDataLoss, still flagged high', () => {
      const r = review(
        'partition-decrease',
        ctxOf(acme({ topics: { 'acme.orders': { name: 'acme.orders', allowDataLoss: true } } })),
      );
      expect(r.ok).toBe(true);
      const [d] = risks(r, 'data-loss');
      expect(d.severity).toBe('high');
      expect(d.approvedBy).toBe('tenants/acme.yaml: allowDataLoss: true on topic acme.orders');
    });

    it('names a replication factor change that forces replacement as the cause', () => {
      const r = review('replication-replace');
      expect(r.blockers[0].message).toContain('replication factor change 3 → 1 the cluster cannot apply in place');
    });

    it('calls a delete next to a create in the same stack a possible rename, and blocks it', () => {
      const r = review(
        'topic-rename',
        ctxOf(acme({ topics: { 'acme.orders2': { name: 'acme.orders2', allowDataLoss: true } } })),
      );
      expect(r.ok).toBe(false);
      expect(r.blockers[0].message).toContain('renamed to acme.orders2? the provider cannot rename a topic');
    });

    it('accepts the removal of a topic the file retires with deleteData: true', () => {
      const ctx = acme({
        topics: { 'acme.orders2': { name: 'acme.orders2', allowDataLoss: false } },
        retired: { 'acme.orders': { deleteData: true } },
      });
      const r = review('topic-rename', ctxOf(ctx));
      expect(r.ok).toBe(true);
      expect(risks(r, 'data-loss')[0].approvedBy).toBe(
        'tenants/acme.yaml: retiredTopics entry for acme.orders with deleteData: true',
      );
    });

    it('no longer takes the approval of a removal from the base revision (the synthesized ledger would refuse it)', () => {
      const ctx = acme({
        topics: { 'acme.orders2': { name: 'acme.orders2', allowDataLoss: false } },
        retired: { 'acme.orders': { deleteData: false } },
        base: {
          tier: 'topic-per-tenant',
          cluster: 'shared',
          topics: { 'acme.orders': { name: 'acme.orders', allowDataLoss: true } },
        },
      });
      const r = review('topic-rename', ctxOf(ctx));
      expect(r.ok).toBe(false);
      expect(r.blockers[0].message).toContain('retire it under retiredTopics with deleteData: false');
    });

    it('blocks every topic delete of a stack whose tenant file is gone', () => {
      const r = review('decommission-delete-data', ctxOf());
      expect(r.stacks[0].status).toBe('removed');
      expect(r.blockers.map((b) => b.subject)).toEqual(['acme.orders']);
      expect(r.blockers[0].message).toContain('restore tenants/acme.yaml and set "lifecycle: decommissioning"');
    });

    it('blocks an errored plan', () => {
      const r = review('errored');
      expect(r.ok).toBe(false);
      expect(r.blockers[0].code).toBe('plan-errored');
    });
  });

  describe('topics: in-place changes', () => {
    it('warns that a retention decrease deletes old data', () => {
      const r = review('retention-decrease');
      const [w] = risks(r, 'retention-decrease');
      expect(w.message).toBe(
        'retention.ms 7 d → 1 h: data beyond the new limit is deleted at the next log cleanup and cannot be recovered',
      );
      expect(r.ok).toBe(true);
    });

    it('does not flag a retention increase', () => {
      const plan = fixture('retention-decrease');
      const swapped = JSON.parse(JSON.stringify(plan)) as {
        resource_changes: { change: { before: unknown; after: unknown } }[];
      };
      for (const c of swapped.resource_changes) [c.change.before, c.change.after] = [c.change.after, c.change.before];
      const r = reviewPlans([{ stack: 'acme', plan: swapped as unknown as TfPlan }], ctxOf(acme()));
      expect(risks(r, 'retention-decrease')).toHaveLength(0);
    });

    it('warns about infinite → bounded retention, a size limit and a cleanup policy change', () => {
      const codes = risks(review('config-changes')).map((r) => `${r.code}: ${r.message.split(':')[0]}`);
      expect(codes).toEqual([
        'cleanup-policy-change: cleanup.policy delete → compact',
        'retention-decrease: retention.bytes unlimited → 1073741824 bytes',
      ]);
    });

    it('warns that a partition increase breaks per-key ordering', () => {
      const [w] = risks(review('partition-increase'), 'partition-increase');
      expect(w.message).toMatch(/^partitions 3 → 6: keyed records map to different partitions/);
    });
  });

  describe('ACLs', () => {
    const r = review('acl-widening');
    const messages = risks(r, 'acl-widening').map((x) => `${x.severity}: ${x.message}`);

    it('flags Literal → Prefixed as a broader pattern', () => {
      expect(messages).toContain(
        'warning: broader pattern for Read on Topic: Literal `acme.orders` → Prefixed `acme.`',
      );
    });

    it('flags a shorter prefix as a broader pattern', () => {
      expect(messages).toContain('warning: broader pattern for Read on Group: prefix `acme.billing.` → `acme.`');
    });

    it('flags an operation the principal did not have', () => {
      expect(messages).toContain('warning: new operation: Write on topics prefixed "acme."');
    });

    it('flags a wildcard principal and a cluster grant as high', () => {
      expect(messages).toContain('high: Read on topics prefixed "acme.": principal User:* is every authenticated user');
      expect(messages).toContain('high: Describe on the cluster: grants on the Cluster are never given to tenants');
    });

    it('flags a removed ACL replaced by another as a delete + create window', () => {
      const windows = risks(r, 'acl-window').map((x) => x.message);
      expect(windows).toContain(
        'Read on topic "acme.orders" is replaced by Read on topics prefixed "acme.": the provider deletes and creates ACLs in parallel, so acme.billing may briefly lack it',
      );
    });

    it('reports narrowing as removed access and a window, never as widening', () => {
      const n = review('acl-narrowing');
      expect(risks(n, 'acl-widening')).toHaveLength(0);
      expect(risks(n, 'access-removed').map((x) => x.message)).toEqual([
        'acme.billing loses Read on topics prefixed "acme."',
        'acme.billing loses Write on topics prefixed "acme."',
      ]);
      expect(risks(n, 'acl-window').map((x) => x.message)).toEqual([
        'Read on topics prefixed "acme." is replaced by Read on topic "acme.orders": the provider deletes and creates ACLs in parallel, so acme.billing may briefly lack it',
      ]);
    });

    it('flags every new transactional-id grant of an existing principal as a new operation', () => {
      const m = risks(review('new-operation'), 'acl-widening').map((x) => x.message);
      expect(m).toEqual([
        'new operation: Describe on transactional ids prefixed "acme."',
        'new operation: Write on transactional ids prefixed "acme."',
      ]);
    });
  });

  describe('credentials', () => {
    it('flags a password_wo_version change as a credential rotation', () => {
      const r = review('credential-rotation');
      expect(r.stacks[0].items[0].summary).toBe('password rotated (version 1 → 2)');
      expect(risks(r, 'credential-rotation')).toHaveLength(1);
    });
  });

  describe('tier changes', () => {
    it('flags a tier change that moves the tenant to another cluster as high', () => {
      const ctx = acme({
        tier: 'dedicated',
        cluster: 'dedicated',
        base: { tier: 'topic-per-tenant', cluster: 'shared', topics: {} },
      });
      const [t] = risks(review('quota-raise', ctxOf(ctx)), 'tier-change');
      expect(t.severity).toBe('high');
      expect(t.message).toContain('topics are created empty on dedicated (no data is migrated)');
    });

    it('flags a tier change on the same cluster as a warning', () => {
      const ctx = acme({ tier: 'shared', base: { tier: 'topic-per-tenant', cluster: 'shared', topics: {} } });
      expect(risks(review('quota-raise', ctxOf(ctx)), 'tier-change')[0].severity).toBe('warning');
    });
  });

  describe('decommissioning', () => {
    it('removes access, credentials and quotas, keeps the topic, and raises no data loss', () => {
      const r = review('decommission', ctxOf(acme({ lifecycle: 'decommissioning' })));
      expect(r.ok).toBe(true);
      expect(r.stacks[0].status).toBe('decommissioning');
      expect(r.stacks[0].counts.remove).toBe(6);
      expect(risks(r, 'data-loss')).toHaveLength(0);
      expect(risks(r, 'quota-removed')).toHaveLength(0);
      expect(risks(r, 'access-removed')).toHaveLength(0);
      expect(risks(r, 'credential-removed')[0].severity).toBe('info');
      expect(r.stacks[0].items.filter((i) => i.change === 'keep').map((i) => i.subject)).toEqual(['acme.orders']);
      expect(renderMarkdown(r)).toContain('6 to remove, 1 retained');
    });

    it('approves the topic delete with deleteDataOnDecommission', () => {
      const r = review('decommission-delete-data', ctxOf(acme({ lifecycle: 'decommissioning', deleteData: true })));
      expect(r.ok).toBe(true);
      expect(risks(r, 'data-loss')[0].approvedBy).toBe('tenants/acme.yaml: deleteDataOnDecommission: true');
    });

    it('refuses the topic delete of a decommissioning tenant that did not ask for data deletion', () => {
      const r = review('decommission-delete-data', ctxOf(acme({ lifecycle: 'decommissioning', deleteData: false })));
      expect(r.ok).toBe(false);
    });

    it('flags a quota removed from a principal that keeps its credential', () => {
      const plan = fixture('decommission');
      const onlyQuota = { ...plan, resource_changes: plan.resource_changes!.filter((c) => c.type === 'kafka_quota') };
      const r = reviewPlans([{ stack: 'acme', plan: onlyQuota }], ctxOf(acme()));
      expect(risks(r, 'quota-removed')[0].severity).toBe('high');
    });
  });

  describe('rendering', () => {
    it('is deterministic and lists blockers first', () => {
      const ctx = ctxOf(acme(), acme({ stack: 'beta', file: 'tenants/beta.yaml' }));
      const plans = [
        { stack: 'beta', plan: fixture('quota-raise') },
        { stack: 'acme', plan: fixture('partition-decrease') },
      ];
      const md = renderMarkdown(reviewPlans(plans, ctx));
      expect(md).toBe(renderMarkdown(reviewPlans([...plans].reverse(), ctx)));
      expect(md).toContain('> **Refused**: 1 unapproved data-loss');
      expect(md.indexOf('### `acme`')).toBeLessThan(md.indexOf('### `beta`'));
      expect(md).toContain('- **BLOCKER** `data-loss` DATA LOSS: topic acme.orders');
    });

    it('never prints a secret from a plan, and shows sensitive values as "(sensitive)"', () => {
      const plan = redactPlan(fixture('with-secrets'));
      const text = JSON.stringify(plan) + renderMarkdown(reviewPlans([{ stack: 'acme', plan }], ctxOf(acme())));
      expect(text).not.toMatch(/fixture-[a-z-]*secret/);
      expect(plan.variables?.admin_password_shared.value).toBe(SENSITIVE);
      expect(plan.variables?.scram_password_acme__billing.value).toBe(SENSITIVE);
      expect(plan.variables?.scram_password_acme__billing_version.value).toBe('1');
      expect(plan.resource_changes?.[0].change.after?.password).toBe(SENSITIVE);
    });
  });

  describe('formatting', () => {
    it.each([
      [604800000, '7 d'],
      [3600000, '1 h'],
      [-1, 'forever'],
      [90000, '1.5 min'],
      [5400000, '1.5 h'],
    ])('formats %p ms as %p', (ms, text) => expect(formatDuration(ms)).toBe(text));

    it.each([
      [1048576, '1 MiB/s'],
      [1536, '1.50 KiB/s'],
      [100, '100 B/s'],
    ])('formats %p B/s as %p', (b, text) => expect(formatRate(b)).toBe(text));
  });
});
