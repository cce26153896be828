/** Files named on the command line: a path that cannot be read or written is a usage error, not a stack trace. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioReason, UsageError } from '../errors';

/** The text of `file` (or of stdin for fd 0); throws `UsageError: cannot read <file>: <reason>`. */
export function readArgFile(file: string | 0, shown = file === 0 ? 'stdin' : file): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${shown}: ${ioReason(err)}`);
  }
}

/** The JSON in `file`; `what` names what it should hold, for the message when it does not parse. */
export function readArgJson(file: string, what: string): unknown {
  const text = readArgFile(file);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Never echo the text (JSON.parse quotes it): a plan straight from terraform holds passwords.
    throw new UsageError(`${file} is not ${what}: not valid JSON`);
  }
}

/** Write `content` to `file`, creating its folder; throws `UsageError: cannot write <file>: <reason>`. */
export function writeArgFile(file: string, content: string): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, content);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${ioReason(err)}`);
  }
}
