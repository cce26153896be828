/** The review as Markdown for a pull-request comment. Deterministic: same plans, same text. */
import type { ChangeKind } from './changes';
import type { PlanReview } from './review';
import type { Severity } from './risks';
import { CHANGE_SYMBOL, STATUS_WORDS, summaryLine } from './summary';

const SEVERITY_LABEL: Record<Severity, string> = {
  blocker: '**BLOCKER**',
  high: '**HIGH**',
  warning: 'warning',
  info: 'info',
};

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(review: PlanReview): string {
  const total = (k: ChangeKind) => review.stacks.reduce((n, s) => n + s.counts[k], 0);
  const lines: string[] = [];
  lines.push('## kafka-tenancy plan review', '');
  lines.push(
    `**${review.stacks.length} stack${review.stacks.length === 1 ? '' : 's'}**: ${summaryLine(review)} — ` +
      `${total('add')} to add, ${total('change')} to change, ${total('replace')} to replace, ${total('remove')} to remove` +
      (total('forget') ? `, ${total('forget')} to forget` : '') +
      (total('keep') ? `, ${total('keep')} retained` : ''),
    '',
  );
  if (review.blockers.length) {
    lines.push(
      `> **Refused**: ${review.blockers.length} unapproved data-loss or failed plan${review.blockers.length === 1 ? '' : 's'}; see the blockers below. Nothing may be applied until the tenant file approves it or the change is reverted.`,
      '',
    );
  } else {
    const dataLoss = review.stacks.flatMap((s) => s.risks).filter((r) => r.code === 'data-loss').length;
    lines.push(dataLoss ? `> Data loss approved in the tenant files: ${dataLoss} topic(s).` : '> No data loss.', '');
  }
  for (const s of review.stacks) {
    lines.push(`### \`${s.stack}\` — ${STATUS_WORDS[s.status]}${s.file ? ` (${s.file})` : ''}`, '');
    if (s.status === 'decommissioning') {
      lines.push(
        `Applied by \`kafka-tenancy decommission ${s.stack}\` in order — ACLs, then credentials, then quotas, then topics only with \`deleteDataOnDecommission: true\` — and verified afterwards.`,
        '',
      );
    }
    if (s.migration) {
      lines.push(`**${escapeCell(s.migration.title)}**`, '', ...s.migration.lines.map((l) => `- ${l}`), '');
    }
    if (s.items.length === 0) {
      lines.push('No changes.', '');
    } else {
      lines.push('| | resource | name | what |', '|---|---|---|---|');
      for (const i of s.items) {
        lines.push(
          `| \`${CHANGE_SYMBOL[i.change]}\` | ${i.kind} | \`${escapeCell(i.subject)}\` | ${escapeCell(i.summary)} |`,
        );
      }
      lines.push('');
    }
    if (s.risks.length) {
      lines.push('Risks:', '');
      for (const r of s.risks) lines.push(`- ${SEVERITY_LABEL[r.severity]} \`${r.code}\` ${escapeCell(r.message)}`);
      lines.push('');
    }
  }
  return lines.join('\n').replace(/\n+$/, '\n');
}
