/** The problems every input file (tenant or environment) can have before its content is decoded. */
import { LineCounter, parseDocument } from 'yaml';
import { ioReason, type Problem } from '../errors';
import { documentLocator, type Locator } from './source-map';

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

/**
 * Parse YAML text keeping positions: the value (aliases expanded, at most MAX_ALIAS_COUNT nodes) and a locator
 * for its fields, or the problems that stop it from parsing (never a throw).
 */
export function readYaml(file: string, text: string): { value: unknown; locate: Locator } | { problems: Problem[] } {
  // prettyErrors: false keeps messages on one line (no code frame); the position comes from the line counter.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length === 0) {
    try {
      const value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
      return { value, locate: documentLocator(file, doc, lineCounter) };
    } catch (err) {
      // yaml throws (a ReferenceError) while resolving aliases: too many of them, or one it cannot resolve.
      const message = typeof (err as Error | null)?.message === 'string' ? (err as Error).message : String(err);
      return {
        problems: [
          isAliasBomb(err)
            ? aliasBombProblem(file)
            : { file, path: '', code: 'yaml', message: `not valid yaml: ${lowerFirst(message)}; fix the syntax` },
        ],
      };
    }
  }
  return {
    problems: doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      const where = ` at line ${pos.line}, column ${pos.col}`;
      const what = lowerFirst(e.message);
      return { file, path: '', code: 'yaml', message: `not valid yaml${where}: ${what}; fix the syntax` };
    }),
  };
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The locator of a file taken from the cache: the text is parsed (once) when a position is first asked for. */
export function locatedOnDemand(file: string, text: string): Locator {
  let locate: Locator | undefined;
  return (p, at) => {
    if (locate === undefined) {
      const raw = readYaml(file, text);
      locate = 'locate' in raw ? raw.locate : () => undefined;
    }
    return locate(p, at);
  };
}
