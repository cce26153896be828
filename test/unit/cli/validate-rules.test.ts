import { runCli } from '../../support/cli';
import { ENVIRONMENT_RULES, RULES } from '../../../src/model/validate';
import { CHANGE_RULES } from '../../../src/pipeline/preflight';

describe('kafka-tenancy validate --rules', () => {
  it('lists every rule code of every table with its description, without reading any file', async () => {
    const res = await runCli('validate', '--rules', '--root', '/nonexistent');
    expect(res.code).toBe(0);
    for (const r of [...ENVIRONMENT_RULES, ...RULES, ...CHANGE_RULES]) {
      expect(res.stdout).toContain(r.code);
      expect(res.stdout).toContain(r.describe);
    }
    expect(res.stdout).toMatch(/tenants\s*│\s*topic_name_collision\s*│\s*no two topic names on one cluster/);
  });

  it('prints {rules: [{scope, code, description}]} with --json, tenant rules in table order', async () => {
    const res = await runCli('validate', '--rules', '--json');
    expect(res.code).toBe(0);
    const { rules } = JSON.parse(res.stdout) as { rules: Array<{ scope: string; code: string; description: string }> };
    expect(rules.filter((r) => r.scope === 'tenants').map((r) => r.code)).toEqual(RULES.map((r) => r.code));
    expect(rules.filter((r) => r.scope === 'environment')).toHaveLength(ENVIRONMENT_RULES.length);
    expect(rules.filter((r) => r.scope === 'change').map((r) => r.code)).toEqual(CHANGE_RULES.map((r) => r.code));
    expect(rules.find((r) => r.code === 'duplicate_id')).toEqual({
      scope: 'tenants',
      code: 'duplicate_id',
      description: 'tenant ids are unique across files',
    });
  });

  it('gives every tenant rule a unique code and a one-line description', () => {
    const codes = RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const r of [...ENVIRONMENT_RULES, ...RULES]) expect(r.describe).toMatch(/^[^\n]{10,150}$/);
  });
});
