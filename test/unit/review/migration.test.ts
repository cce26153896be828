/** A tier migration as one review item per phase, and the deletions its phases approve (review/migration.ts). */
import { loadModel } from '../../../src/model';
import { migrationContext } from '../../../src/review/migration';
import { reviewContext } from '../../../src/review';
import { makeRoot } from '../model/helpers';

const acme = (state: string, keep: boolean) => `id: acme
owner: team-acme
contact: acme@example.com
tier: dedicated
cluster: dedicated-2
classification: internal
topics:
  - name: orders
applications:
  - name: writer
    produces: [orders]
migration:
  from: { tier: topic-per-tenant }
  state: ${state}
  keepSourceData: ${keep}
`;

const model = (state: string, keep = true) =>
  loadModel({ env: 'test', root: makeRoot({ 'acme.yaml': acme(state, keep) }) });

describe('migration review item', () => {
  it('copying names the phase, what the target gets, what the source keeps and what done will do', () => {
    const m = migrationContext(model('copying').tenants[0]!)!;
    expect(m.from).toBe('topic-per-tenant on shared');
    expect(m.to).toBe('dedicated on dedicated-2');
    expect(m.lines.join('\n')).toMatch(/phase copying \(1\/3\).*MirrorMaker 2.*acme\.orders/);
    expect(m.lines.join('\n')).toMatch(
      /on dedicated-2: topics acme\.orders; credentials and quotas for acme\.writer, no grants until done/,
    );
    expect(m.lines.join('\n')).toMatch(/on shared: the tenant keeps working here: acme\.orders/);
    expect(m.lines.join('\n')).toMatch(/at done: .*forgotten and kept/);
    expect(m.approvedDeletions).toEqual({});
  });

  it('cutover says writes are refused on the source', () => {
    expect(migrationContext(model('cutover').tenants[0]!)!.lines.join('\n')).toMatch(/on shared: writes refused/);
  });

  it('done without keepSourceData approves deleting the source topics, by the file', () => {
    const m = migrationContext(model('done', false).tenants[0]!)!;
    expect(m.lines.join('\n')).toMatch(/DELETED \(acme\.orders\)/);
    expect(m.approvedDeletions['acme.orders']).toMatch(/keepSourceData: false/);
    expect(migrationContext(model('done', true).tenants[0]!)!.approvedDeletions).toEqual({});
  });

  it('aborted approves deleting the copies on the target', () => {
    const m = migrationContext(model('aborted').tenants[0]!)!;
    expect(m.approvedDeletions['acme.orders']).toMatch(/aborted/);
  });

  it('reaches the review context of the stack', () => {
    expect(reviewContext(model('copying')).stacks.acme?.migration?.state).toBe('copying');
  });
});
