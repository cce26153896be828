/** What the tier-migration tests share: an environment of two clusters of their own (shared + dedicated). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * `<root>/environments/<env>.yaml`: environments/local.yaml's `shared` and `dedicated` clusters (the latter SASL_SSL)
 * on the given loopback client/controller ports, everything else as there.
 */
export function writeTwoClusterEnvironment(
  root: string,
  env: string,
  ports: { readonly shared: readonly [number, number]; readonly dedicated: readonly [number, number] },
): void {
  const local = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'environments', 'local.yaml'), 'utf8')) as {
    clusters: Record<string, { local: Record<string, unknown> } & Record<string, unknown>>;
  } & Record<string, unknown>;
  const clusters = Object.fromEntries(
    (['shared', 'dedicated'] as const).map((name) => {
      const c = local.clusters[name]!;
      const [client, controller] = ports[name];
      return [
        name,
        {
          ...c,
          bootstrapServers: [`127.0.0.1:${client}`],
          local: { ...c.local, clientPort: client, controllerPort: controller, heapMb: 384 },
        },
      ];
    }),
  );
  fs.mkdirSync(path.join(root, 'environments'), { recursive: true });
  fs.writeFileSync(path.join(root, 'environments', `${env}.yaml`), stringifyYaml({ ...local, name: env, clusters }));
}
