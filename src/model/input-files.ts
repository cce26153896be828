/** The problems every input file (tenant or environment) can have before its content is decoded. */
import { ioReason, type Problem } from '../errors';

/**
 * Nodes a file may reach through YAML aliases (yaml's default, stated here because the message quotes it): a
 * "billion laughs" file of nested aliases becomes a problem of that file instead of eating memory.
 */
export const MAX_ALIAS_COUNT = 100;

/** yaml throws (a ReferenceError) when resolving aliases would pass `maxAliasCount`. */
export function isAliasBomb(err: unknown): boolean {
  return /excessive alias count/i.test(String((err as Error | null)?.message));
}

export function aliasBombProblem(file: string): Problem {
  return {
    file,
    path: '',
    code: 'yaml_aliases',
    message: `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} nodes reached through anchors and aliases); write the values out instead of nesting aliases`,
  };
}

export function unreadableProblem(file: string, err: unknown): Problem {
  return { file, path: '', code: 'unreadable', message: `cannot read: ${ioReason(err)}` };
}
