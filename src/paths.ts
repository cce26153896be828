/**
 * Where this checkout keeps its runtime files. Production code (secrets, deploy) and the dev harness in
 * src/local/ both need it, so it lives below both: production code never imports src/local/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Per-checkout runtime state (cluster data, logs, pids, dev secrets, terraform state). Git-ignored. */
export function localDir(root = projectRoot()): string {
  return process.env.KAFKA_TENANCY_LOCAL_DIR ?? path.join(root, '.local');
}

/** Project root: the folder holding package.json (works from src/ and from dist/src/). */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'environments'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}
