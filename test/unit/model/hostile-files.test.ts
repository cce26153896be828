/**
 * No input file makes the loader throw: alias bombs, unreadable files and symlinks become problems of that file,
 * and the other files are still read and reported.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem } from '../../../src/errors';
import { loadEnvironment } from '../../../src/model/environment';
import { loadTenantFiles } from '../../../src/model/load';
import { HEADER, makeRoot, problemLines } from './helpers';

const tenantYaml = (id: string) => `id: ${id}\n${HEADER}\ntier: topic-per-tenant\nclassification: internal\n`;

/** Nine levels of nine aliases each: 9^9 strings if expanded. */
const BILLION_LAUGHS = [
  'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
].join('\n');

const load = (root: string) => {
  const res = loadTenantFiles(path.join(root, 'tenants'), root);
  return { ids: res.tenants.map((t) => t.spec.id), lines: res.problems.map(formatProblem) };
};

const asRoot = process.getuid?.() === 0;

describe('loadTenantFiles with hostile files', () => {
  it('reports a billion-laughs file as a problem of that file and still reports the other files', () => {
    const root = makeRoot({
      'bomb.yaml': BILLION_LAUGHS,
      'acme.yaml': tenantYaml('acme'),
      'broken.yaml': tenantYaml('broken') + 'partitons: 3\n',
    });
    const { ids, lines } = load(root);
    expect(ids).toEqual(['acme']);
    expect(lines).toContain(
      'tenants/bomb.yaml: YAML aliases expand too much (more than 100 nodes reached through anchors and aliases); write the values out instead of nesting aliases',
    );
    expect(lines.some((l) => /^tenants\/broken\.yaml:\d+:\d+: partitons: /.test(l))).toBe(true);
  });

  it('still reads a file with a few aliases', () => {
    const root = makeRoot({ 'acme.yaml': `${tenantYaml('acme')}x-owner: &o team-x\n` });
    // The alias resolves; the unknown key is the only problem (strict decoding), not the alias.
    expect(load(root).lines).toEqual([expect.stringMatching(/^tenants\/acme\.yaml:\d+:1: x-owner: unknown key/)]);
  });

  (asRoot ? it.skip : it)('reports a file it may not read (chmod 000) and still reports the others', () => {
    const root = makeRoot({ 'locked.yaml': tenantYaml('locked'), 'acme.yaml': tenantYaml('acme') });
    fs.chmodSync(path.join(root, 'tenants', 'locked.yaml'), 0o000);
    expect(load(root)).toEqual({
      ids: ['acme'],
      lines: ['tenants/locked.yaml: cannot read: EACCES: permission denied'],
    });
  });

  it('reports a file that cannot be read (read error injected, so it also runs as root)', () => {
    const root = makeRoot({ 'locked.yaml': tenantYaml('locked'), 'acme.yaml': tenantYaml('acme') });
    const locked = path.join(root, 'tenants', 'locked.yaml');
    // The module object itself (not an import namespace), so the loader's calls see the stub.
    const realFs = jest.requireActual<typeof fs>('node:fs');
    const original = realFs.readFileSync;
    const spy = jest.spyOn(realFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, o: unknown) => {
      if (file === locked) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${locked}'`), { code: 'EACCES' });
      }
      return original(file, o as BufferEncoding);
    }) as typeof fs.readFileSync);
    try {
      expect(load(root)).toEqual({
        ids: ['acme'],
        lines: ['tenants/locked.yaml: cannot read: EACCES: permission denied'],
      });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('loadTenantFiles with symlinks', () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-outside-'));
  afterAll(() => fs.rmSync(outside, { recursive: true, force: true }));

  const link = (root: string, name: string, target: string) => fs.symlinkSync(target, path.join(root, 'tenants', name));

  it('follows a symlink to a tenant file elsewhere in the project (relative or absolute)', () => {
    const root = makeRoot({});
    fs.mkdirSync(path.join(root, 'shared'));
    fs.writeFileSync(path.join(root, 'shared', 'acme.yaml'), tenantYaml('acme'));
    fs.writeFileSync(path.join(root, 'shared', 'globex.yaml'), tenantYaml('globex'));
    link(root, 'acme.yaml', '../shared/acme.yaml');
    link(root, 'globex.yaml', path.join(root, 'shared', 'globex.yaml'));
    expect(load(root)).toEqual({ ids: ['acme', 'globex'], lines: [] });
  });

  it('follows a symlink to another file of the tenants folder, judged by the link name', () => {
    const root = makeRoot({ 'acme.yaml': tenantYaml('acme') });
    link(root, 'acme-eu.yaml', 'acme.yaml');
    const { ids, lines } = load(root);
    expect(ids).toEqual(['acme', 'acme']);
    expect(lines).toEqual([
      expect.stringMatching(/^tenants\/acme-eu\.yaml:1:5: id: "acme" does not match the file name/),
    ]);
  });

  it('refuses a symlink to a file outside the project root and reads the other files', () => {
    fs.writeFileSync(path.join(outside, 'evil.yaml'), tenantYaml('evil'));
    const root = makeRoot({ 'acme.yaml': tenantYaml('acme') });
    link(root, 'evil.yaml', path.join(outside, 'evil.yaml'));
    expect(load(root)).toEqual({
      ids: ['acme'],
      lines: [
        `tenants/evil.yaml: symlink to ${path.join(outside, 'evil.yaml')}, which is outside the project root; tenant files must live in the project (copy the file in instead)`,
      ],
    });
  });

  it('refuses a symlink that leaves the root through another symlink', () => {
    fs.writeFileSync(path.join(outside, 'sneaky.yaml'), tenantYaml('sneaky'));
    const root = makeRoot({});
    fs.symlinkSync(outside, path.join(root, 'elsewhere'));
    link(root, 'sneaky.yaml', '../elsewhere/sneaky.yaml');
    expect(load(root).lines).toEqual([expect.stringContaining('which is outside the project root')]);
  });

  it('refuses a dangling symlink', () => {
    const root = makeRoot({});
    link(root, 'gone.yaml', 'nowhere/gone.yaml');
    expect(load(root).lines).toEqual([
      'tenants/gone.yaml: symlink to nowhere/gone.yaml, which does not exist; point it at a tenant file in this project or replace it with the file',
    ]);
  });

  it('refuses a symlink to a folder', () => {
    const root = makeRoot({});
    fs.mkdirSync(path.join(root, 'archive'));
    link(root, 'archive.yaml', '../archive');
    expect(load(root).lines).toEqual([
      'tenants/archive.yaml: symlink to ../archive, which is not a regular file; point it at a tenant file or remove it',
    ]);
  });

  it('refuses a symlink loop', () => {
    const root = makeRoot({});
    link(root, 'a.yaml', 'b.yaml');
    link(root, 'b.yaml', 'a.yaml');
    expect(load(root).lines).toEqual([
      'tenants/a.yaml: symlink to b.yaml, which cannot be read (ELOOP: too many symbolic links encountered); point it at a tenant file in this project or replace it with the file',
      'tenants/b.yaml: symlink to a.yaml, which cannot be read (ELOOP: too many symbolic links encountered); point it at a tenant file in this project or replace it with the file',
    ]);
  });

  it('still ignores symlinks that are dotfiles or not named *.yaml / *.yml', () => {
    const root = makeRoot({ 'acme.yaml': tenantYaml('acme') });
    link(root, '.draft.yaml', '/nonexistent');
    link(root, 'notes.txt', '/nonexistent');
    expect(load(root)).toEqual({ ids: ['acme'], lines: [] });
  });
});

describe('loadEnvironment with hostile files', () => {
  const envFile = (root: string) => path.join(root, 'environments', 'test.yaml');

  it('reports a billion-laughs environment file as a problem of that file', () => {
    const root = makeRoot({});
    fs.writeFileSync(envFile(root), BILLION_LAUGHS);
    expect(problemLines(() => loadEnvironment('test', root))).toEqual([
      'environments/test.yaml: YAML aliases expand too much (more than 100 nodes reached through anchors and aliases); write the values out instead of nesting aliases',
    ]);
  });

  it('reports an environment file that cannot be read', () => {
    const root = makeRoot({});
    fs.rmSync(envFile(root));
    fs.mkdirSync(envFile(root)); // a folder: unreadable as a file for root too
    expect(problemLines(() => loadEnvironment('test', root))).toEqual([
      'environments/test.yaml: cannot read: EISDIR: illegal operation on a directory',
    ]);
  });

  it('refuses an environment name that is a path', () => {
    expect(problemLines(() => loadEnvironment('../tenants/acme', makeRoot({})))).toEqual([
      'environments: "../tenants/acme" is not an environment name: lowercase letters, digits and "-", starting with a letter (e.g. local), read from environments/<name>.yaml',
    ]);
  });
});
