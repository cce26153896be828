/** Construct-level validation: a table of rules that all run; the error lists every failure. */
export interface Rule<P> {
  readonly check: (props: P) => boolean;
  readonly message: (props: P) => string;
}

export function assertRules<P>(construct: string, id: string, props: P, rules: readonly Rule<P>[]): void {
  const failures = rules.filter((r) => !r.check(props)).map((r) => r.message(props));
  if (failures.length) {
    throw new Error(`${construct} "${id}": ${failures.length} problem(s):\n  - ${failures.join('\n  - ')}`);
  }
}
