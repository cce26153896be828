/**
 * The verification suite against the deployed example fleet: it must pass, cover every category and every ordered
 * pair of tenants on the shared cluster, and finish well under a minute. The test deploys the fleet itself first
 * (synth + deploy through the library; nothing changes when it is already deployed).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/index';
import type { Model } from '../../src/model/types';
import { CATEGORIES, type VerificationReport, runVerification } from '../../src/verify';
import { requireLocalPlatform } from './support';
import { ensureFleetDeployed } from './verify-support';

jest.setTimeout(600_000);

describe('kafka-tenancy verify on the deployed example fleet', () => {
  let model: Model;
  let report: VerificationReport;

  beforeAll(async () => {
    const platform = await requireLocalPlatform();
    model = ensureFleetDeployed(platform);
    report = await runVerification({ model, secrets: platform.secrets });
  });

  const failing = () =>
    report.results
      .filter((r) => r.status !== 'pass')
      .map((r) => `${r.status} ${r.id}: expected ${r.expected}, observed ${r.observed}`);

  it('passes every check', () => {
    expect(failing()).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('runs checks of every category', () => {
    expect(Object.keys(report.summary.byCategory).sort()).toEqual([...CATEGORIES].sort());
  });

  it('runs checks for every tenant and the platform', () => {
    const owners = Object.keys(report.summary.byTenant);
    for (const t of model.tenants) expect(owners).toContain(t.id);
    expect(owners).toContain('platform');
  });

  it('probes every ordered pair of tenants on the shared cluster, from every principal of the acting tenant', () => {
    const shared = model.tenants.filter((t) => t.cluster === model.env.sharedCluster);
    const probed = new Set(
      report.results
        .filter((r) => r.id.startsWith('negative.produce:'))
        .map((r) => `${r.id.split(':')[1]!.split('->')[0]}->${r.target}`),
    );
    for (const a of shared) {
      for (const b of shared.filter((x) => x.id !== a.id)) {
        for (const p of a.principals) expect(probed).toContain(`${p.username}->${b.id}`);
      }
    }
  });

  it('proves a dedicated tenant is unreachable from the shared cluster and back', () => {
    const finbank = model.tenants.find((t) => t.tier === 'dedicated')!;
    const ids = report.results.map((r) => r.id);
    for (const p of finbank.principals)
      expect(ids).toContain(`dedicated-tier.auth-refused:${p.username}@${model.env.sharedCluster}`);
    expect(ids.filter((id) => id.startsWith('dedicated-tier.foreign-auth-refused:'))).toHaveLength(
      model.tenants.filter((t) => t.cluster !== finbank.cluster).flatMap((t) => t.principals).length +
        model.platform.consumers.length,
    );
  });

  it('observes throttling of at least one principal and the noisy-neighbour check', () => {
    const quota = report.results.filter((r) => r.category === 'quota');
    expect(quota.some((r) => r.id.startsWith('quota.noisy-neighbour:'))).toBe(true);
    expect(quota.filter((r) => r.id.startsWith('quota.enforced:')).length).toBeGreaterThan(3);
  });

  it('finishes well under a minute', () => {
    expect(report.wallTimeMs).toBeLessThan(60_000);
  });

  it('exits 0 from the CLI and writes JSON, JUnit and Markdown', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-verify-cli-'));
    const out: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const junit = path.join(dir, 'verify.xml');
      const markdown = path.join(dir, 'verify.md');
      const code = await main([
        'node',
        'kafka-tenancy',
        'verify',
        '--tenants',
        'acme',
        '--skip-quotas',
        '--json',
        '--junit',
        junit,
        '--markdown',
        markdown,
      ]);
      expect(code).toBe(0);
      const json = JSON.parse(out.join('')) as VerificationReport;
      expect(json.ok).toBe(true);
      expect(json.scope).toEqual(['acme']);
      expect(fs.readFileSync(junit, 'utf8')).toContain(`tests="${json.summary.checks}" failures="0" errors="0"`);
      expect(fs.readFileSync(markdown, 'utf8')).toContain('# Isolation verification: passed');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 for a tenant that does not exist', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'kafka-tenancy', 'verify', '--tenants', 'nobody', '--skip-quotas'])).toBe(1);
    } finally {
      stderr.mockRestore();
    }
  });
});
