/**
 * Where a value came from: a tenant or environment file, the 1-based line and column of the value, and the
 * field path inside the file (`applications[0].produces[1]`). Parsed values keep their location through the
 * model, so a problem, a topic, a principal or an ACL binding can point at the line that caused it.
 */
export interface SourceLocation {
  /** File relative to the project root, e.g. `tenants/acme.yaml`. */
  readonly file: string;
  /** 1-based line of the value (or of its key when the value spans lines). */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
  /** Dotted field path inside the file, e.g. `applications[0].produces[1]`; empty for the whole file. */
  readonly path: string;
}

/** `tenants/acme.yaml:12:9` */
export function formatLocation(l: Pick<SourceLocation, 'file' | 'line' | 'col'>): string {
  return `${l.file}:${l.line}:${l.col}`;
}
