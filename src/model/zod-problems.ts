import { z } from 'zod';
import { Problem } from '../errors';

/** `a.b[2].c` from a zod issue path. */
export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** Turn a zod error into problems with lowercase, actionable messages. */
export function zodProblems(file: string, error: z.ZodError): Problem[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against tenants/README.md`;
    }
    return {
      file,
      path: formatPath(issue.path),
      code: issue.code,
      message: message.charAt(0).toLowerCase() + message.slice(1),
    };
  });
}
