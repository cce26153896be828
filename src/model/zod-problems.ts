import { z } from 'zod';
import type { Problem } from '../errors';
import type { Locator } from './source-map';

/** `a.b[2].c` from a zod issue path. */
export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/**
 * Turn a zod error into problems with lowercase, actionable messages; with `locate`, each carries the line and
 * column of its path (unknown keys: of the first unknown key; a missing field: of the mapping that lacks it).
 */
export function zodProblems(file: string, error: z.ZodError, locate?: Locator): Problem[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    const path = formatPath(issue.path);
    let at = locate?.(path);
    if (issue.code === 'unrecognized_keys') {
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against tenants/README.md`;
      at = locate?.(formatPath([...issue.path, issue.keys[0] ?? '']), 'key') ?? at;
    }
    return {
      file,
      path,
      code: issue.code,
      message: message.charAt(0).toLowerCase() + message.slice(1),
      ...(at && { line: at.line, col: at.col }),
    };
  });
}
