import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem } from '../../../src/errors';
import { loadTenantFiles } from '../../../src/model/load';
import { HEADER, makeRoot } from './helpers';

const tenantYaml = (id: string) => `id: ${id}\n${HEADER}\ntier: topic-per-tenant\nclassification: internal\n`;

describe('loadTenantFiles', () => {
  it('reads every .yaml and .yml file and names them relative to the root', () => {
    const root = makeRoot({ 'acme.yaml': tenantYaml('acme'), 'globex.yml': tenantYaml('globex') });
    const { tenants, problems } = loadTenantFiles(path.join(root, 'tenants'), root);
    expect(problems).toEqual([]);
    expect(tenants.map((t) => [t.file, t.spec.id])).toEqual([
      ['tenants/acme.yaml', 'acme'],
      ['tenants/globex.yml', 'globex'],
    ]);
  });

  it('ignores README.md, the editor schema, other files, dotfiles and sub-folders', () => {
    const root = makeRoot({
      'acme.yaml': tenantYaml('acme'),
      'README.md': '# tenants',
      'tenant.schema.json': '{ "id": "nope" }',
      'notes.txt': 'id: nope',
      '.draft.yaml': 'not: a tenant',
    });
    fs.mkdirSync(path.join(root, 'tenants', 'archive'));
    fs.writeFileSync(path.join(root, 'tenants', 'archive', 'old.yaml'), 'broken: [');
    const { tenants, problems } = loadTenantFiles(path.join(root, 'tenants'), root);
    expect(problems).toEqual([]);
    expect(tenants.map((t) => t.spec.id)).toEqual(['acme']);
  });

  it('reports a file name that differs from the id, and still returns the tenant for cross-tenant rules', () => {
    const root = makeRoot({ 'acme.yaml': tenantYaml('acme-corp') });
    const { tenants, problems } = loadTenantFiles(path.join(root, 'tenants'), root);
    expect(problems.map((p) => [p.path, p.code])).toEqual([['id', 'file_name_mismatch']]);
    expect(tenants.map((t) => t.spec.id)).toEqual(['acme-corp']);
  });

  it('collects the problems of every file instead of stopping at the first', () => {
    const root = makeRoot({
      'a-bad.yaml': 'id: a-bad\nnope: [',
      'b-bad.yaml': `${tenantYaml('b-bad')}topics: [{ name: x, partitions: 0 }]\n`,
      'c-good.yaml': tenantYaml('c-good'),
    });
    const { tenants, problems } = loadTenantFiles(path.join(root, 'tenants'), root);
    expect(problems.map((p) => p.file)).toEqual(['tenants/a-bad.yaml', 'tenants/b-bad.yaml']);
    expect(tenants.map((t) => t.spec.id)).toEqual(['c-good']);
  });

  it('reports yaml syntax errors with their position on one line', () => {
    const root = makeRoot({ 'acme.yaml': 'id: acme\nowner: [x\n' });
    const [problem] = loadTenantFiles(path.join(root, 'tenants'), root).problems;
    expect(problem?.code).toBe('yaml');
    expect(formatProblem(problem!)).toMatch(
      /^tenants\/acme\.yaml: not valid yaml at line \d+, column \d+: .*; fix the syntax$/,
    );
  });

  it('reports duplicate keys in a file as invalid yaml', () => {
    const root = makeRoot({ 'acme.yaml': `${tenantYaml('acme')}tier: shared\n` });
    expect(loadTenantFiles(path.join(root, 'tenants'), root).problems.map((p) => p.code)).toEqual(['yaml']);
  });

  it('reports a missing tenants folder instead of throwing', () => {
    const root = makeRoot({});
    const { problems } = loadTenantFiles(path.join(root, 'no-such-folder'), root);
    expect(problems.map((p) => [p.file, p.code])).toEqual([['no-such-folder', 'missing_dir']]);
  });
});
