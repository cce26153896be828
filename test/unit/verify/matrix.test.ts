import { clusterMatrices, worst } from '../../../src/verify/matrix';
import { renderHtml } from '../../../src/verify/html';
import { renderMatrixSvg } from '../../../src/verify/svg';
import { matrixSvgPath } from '../../../src/cli/commands/verify';
import { ownersByCluster } from '../../../src/verify/runner';
import { LEAKING, fleetReport, owners } from './fleet-report';
import { smallModel } from './fixtures';

describe('worst', () => {
  it('orders fail, error, skipped, pass; nothing is not applicable', () => {
    expect(worst(['pass', 'skipped', 'fail', 'error'])).toBe('fail');
    expect(worst(['pass', 'error', 'skipped'])).toBe('error');
    expect(worst(['pass', 'skipped'])).toBe('skipped');
    expect(worst([])).toBeUndefined();
  });
});

describe('clusterMatrices', () => {
  const report = fleetReport();
  const [dedicated, shared] = clusterMatrices(report);
  const cell = (actor: string, target: string) =>
    shared!.cells[shared!.owners.indexOf(actor)]![shared!.owners.indexOf(target)]!;

  it('has one matrix per cluster with results, over the owners living there', () => {
    expect(clusterMatrices(report).map((m) => m.cluster)).toEqual(['dedicated', 'shared']);
    expect(shared!.owners).toEqual(['acme', 'acme-eu', 'platform', 'shop']);
    expect(shared!.cells.map((row) => row.length)).toEqual([4, 4, 4, 4]);
    expect(dedicated!.owners).toEqual(['bank']);
  });

  it('colours a pair by the worst of the checks in which the row acts against the column', () => {
    expect(cell(LEAKING.actor, LEAKING.target).status).toBe('fail');
    expect(
      cell(LEAKING.actor, LEAKING.target).results.every((r) => r.tenant === 'acme-eu' && r.target === 'acme'),
    ).toBe(true);
    expect(cell('acme', 'shop').status).toBe('error'); // the lost credential
    expect(cell('shop', 'acme').status).toBe('pass');
    expect(cell('shop', 'platform').status).toBe('pass'); // shared-tier: the shop cannot read the shared topics
  });

  it("puts an owner's own checks on the diagonal, and leaves pairs no check covers blank", () => {
    expect(cell('acme-eu', 'acme-eu').results.map((r) => r.id)).toContain('conformance.acls:acme-eu.writer');
    expect(cell('acme-eu', 'acme-eu').status).toBe('fail');
    expect(cell('acme', 'platform').status).toBe('error');
    expect(cell('platform', 'shop').status).toBe('pass');
    expect(dedicated!.cells[0]![0]!.status).toBe('skipped'); // bank's quota, not probed
    const blank = clusterMatrices({
      ...report,
      results: report.results.filter((r) => !(r.tenant === 'platform' && r.target === 'acme')),
    })[1]!;
    expect(blank.cells[2]![0]).toEqual({ actor: 'platform', target: 'acme', results: [] });
  });

  it('keeps cluster-wide checks and owners from other clusters beside the matrix', () => {
    expect(shared!.clusterWide.map((r) => r.id)).toEqual(['conformance.acl-hygiene:shared']);
    expect(shared!.foreign.map((f) => [f.owner, f.results.map((r) => r.id)])).toEqual([
      ['bank', ['dedicated-tier.auth-refused:bank.core@shared']],
    ]);
    expect(dedicated!.foreign.map((f) => f.owner)).toEqual(['acme', 'acme-eu', 'platform', 'shop']);
  });

  it('infers the owners from the results when the report does not carry them', () => {
    const { owners: _, ...bare } = report;
    expect(clusterMatrices(bare).map((m) => m.owners)).toEqual([['bank'], ['acme', 'acme-eu', 'platform', 'shop']]);
  });
});

describe('renderHtml', () => {
  const html = renderHtml(fleetReport());

  it('is one self-contained page: no URL to fetch, a policy that forbids fetching', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/(src|href)=|url\(|@import|https?:\/\//);
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`,
    );
  });

  it('draws an N × N matrix per cluster, each cell with its status', () => {
    expect(html.match(/<table class="matrix" data-cluster="shared">/g)).toHaveLength(1);
    const shared = html.slice(html.indexOf('data-cluster="shared"'));
    expect(shared.slice(0, shared.indexOf('</table>')).match(/<td class="cell /g)).toHaveLength(16);
    expect(html).toMatch(
      /<td class="cell s-fail" data-actor="acme-eu" data-target="acme" data-status="fail" title="acme-eu → acme: 1 fail, 7 pass/,
    );
  });

  it('has the checks of every covered pair for the click panel, and nothing a page could execute', () => {
    const json = html.slice(html.indexOf('id="pair-data">') + 15, html.indexOf('</script>'));
    const data = JSON.parse(json) as Record<string, Array<{ id: string }>>;
    expect(
      Object.values(data)
        .flat()
        .map((c) => c.id),
    ).toContain(LEAKING.check);
    const hostile = renderHtml({ ...fleetReport(), environment: '</script><script>alert(1)</script>' });
    expect(hostile).not.toContain('<script>alert(1)');
  });

  it('lists quotas declared vs observed, conformance differences, causes and notes', () => {
    expect(html).toContain(
      '<td><code>bank.core</code></td><td><code>quota.enforced</code></td><td class="status s-skipped">skipped</td>',
    );
    expect(html).toContain(
      '<li class="extra">extra: ALLOW User:acme-eu.writer READ Topic PREFIXED acme. @* (on shared)</li>',
    );
    expect(html).toMatch(/acme.billing cannot log in to shared: SASL_AUTHENTICATION_FAILED — \d+ checks could not run/);
    expect(html).toContain('deleted the run&#39;s 3 consumer group(s)');
  });
});

describe('renderMatrixSvg', () => {
  const svg = renderMatrixSvg(fleetReport());

  it('is a standalone SVG image with one square per cell', () => {
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
    // 16 shared cells + 1 dedicated cell; the legend's squares have no <title>.
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(17);
    expect(svg).toContain('<title>acme-eu → acme: fail (8 checks)</title>');
    expect(svg).not.toMatch(/href=|<script/);
  });

  it('is the same for the same report', () => {
    expect(renderMatrixSvg(fleetReport())).toBe(svg);
  });
});

describe('ownersByCluster', () => {
  it('is what the fleet fixture reports: every tenant on its cluster, platform on the shared one', () => {
    const model = smallModel({ withDedicated: true });
    expect(ownersByCluster(model)).toEqual(owners(model));
    expect(ownersByCluster(model)).toMatchObject({ shared: ['acme', 'acme-eu', 'platform', 'shop'], 'shared-eu': [] });
  });
});

describe('verify --markdown', () => {
  it('writes the matrix next to the Markdown, named after it', () => {
    expect(matrixSvgPath('reports/verify.md')).toBe('reports/verify-matrix.svg');
    expect(matrixSvgPath('out/pr-42')).toBe('out/pr-42-matrix.svg');
  });
});
