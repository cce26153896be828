// @ts-check
/**
 * The layers of src/, bottom to top. A module may import its own layer and the layers below it, never above:
 * eslint enforces it (import/no-restricted-paths zones, eslint.config.js) and test/unit/layers.test.ts checks the
 * same table against the real import graph, plus that no two folders import each other (no cycles).
 *
 * Why acl sits below model (the issue sketch had it above): the model carries each principal's bindings, and it
 * derives them with src/acl; acl needs only names (src/naming.ts), never the model.
 */
const LAYERS = [
  { name: 'foundation', modules: ['errors', 'source', 'naming', 'paths', 'json', 'kafka'] },
  { name: 'acl', modules: ['acl'] },
  { name: 'model', modules: ['model'] },
  { name: 'secrets', modules: ['secrets'] },
  { name: 'platform', modules: ['platform'] },
  { name: 'toolchain', modules: ['toolchain'] },
  { name: 'sdk', modules: ['sdk'] },
  { name: 'constructs', modules: ['constructs'] },
  { name: 'stacks', modules: ['stacks'] },
  { name: 'terraform', modules: ['terraform'] },
  { name: 'review', modules: ['review'] },
  { name: 'pipeline', modules: ['pipeline'] },
  { name: 'verify', modules: ['verify'] },
  // Tier migration: replication (MirrorMaker 2, the shared-tier copier), drain, cutover proofs.
  { name: 'migration', modules: ['migration'] },
  // The dev harness: how local clusters are started. Only the CLI's `local` command imports it (HARNESS_IMPORTERS).
  { name: 'local', modules: ['local'] },
  { name: 'cli', modules: ['cli'] },
];

/** `src/<module>` as a path: folders as they are, root files with their extension. */
const ROOT_FILES = new Set(['errors', 'source', 'naming', 'paths', 'json']);
const modulePath = (m) => (ROOT_FILES.has(m) ? `./src/${m}.ts` : `./src/${m}`);

/** Zones for eslint-plugin-import's `import/no-restricted-paths`: each layer may not import any layer above it. */
function importZones() {
  return LAYERS.flatMap((layer, i) =>
    layer.modules.map((m) => ({
      target: modulePath(m),
      from: LAYERS.slice(i + 1).flatMap((above) => above.modules.map(modulePath)),
      message: `layers point one way (scripts/layers.js): ${layer.name} may not import a layer above it`,
    })),
  ).filter((z) => z.from.length > 0);
}

/** The only files outside src/local/ that may import it. */
const HARNESS_IMPORTERS = ['./src/cli/commands/local.ts'];

module.exports = { LAYERS, ROOT_FILES, HARNESS_IMPORTERS, importZones };
