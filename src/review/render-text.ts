/** The review as plain text for a terminal: a table of items per stack, then its risks. */
import type { PlanReview } from './review';
import { CHANGE_SYMBOL, summaryLine } from './summary';

/** A text table (the CLI passes its own, which decides about colour). */
export type TextTable = (head: string[]) => { push(...rows: string[][]): unknown; toString(): string };

/** Markdown code spans read as plain words in a terminal. */
const plain = (s: string) => s.replace(/`/g, '');

export function renderText(review: PlanReview, table: TextTable): string {
  const out: string[] = [`${review.stacks.length} stack(s): ${summaryLine(review)}`];
  for (const s of review.stacks) {
    out.push('', `${s.stack} — ${s.status}${s.file ? ` (${s.file})` : ''}`);
    if (s.migration) out.push(`  ${s.migration.title}`, ...s.migration.lines.map((l) => `    - ${plain(l)}`));
    if (s.items.length) {
      const t = table(['', 'resource', 'name', 'what']);
      s.items.forEach((i) => t.push([CHANGE_SYMBOL[i.change], i.kind, i.subject, plain(i.summary)]));
      out.push(t.toString());
    } else {
      out.push('  no changes');
    }
    for (const r of s.risks) out.push(`  [${r.severity}] ${r.code}: ${plain(r.message)}`);
  }
  return out.join('\n') + '\n';
}
