/** Words and symbols every renderer shares: the change symbols and the one-line summary of a review. */
import type { ChangeKind } from './changes';
import type { PlanReview, StackStatus } from './review';

export const CHANGE_SYMBOL: Record<ChangeKind, string> = {
  add: '+',
  change: '~',
  replace: '-/+',
  remove: '-',
  forget: 'forget',
  keep: '=',
};

export const STATUS_WORDS: Record<StackStatus, string> = {
  added: 'added',
  changed: 'changed',
  unchanged: 'unchanged',
  decommissioning: 'decommissioning',
  removed: 'removed',
};

/** `1 tenant added, 1 changed`; the platform stack counts as "platform". */
export function summaryLine(review: PlanReview): string {
  const tenants = review.stacks.filter((s) => s.kind !== 'platform');
  const platform = review.stacks.filter((s) => s.kind === 'platform');
  const by = (status: StackStatus) => tenants.filter((s) => s.status === status).length;
  const parts: string[] = [];
  for (const st of ['added', 'changed', 'decommissioning', 'removed', 'unchanged'] as StackStatus[]) {
    const n = by(st);
    if (n) parts.push(`${n} ${parts.length ? '' : n === 1 ? 'tenant ' : 'tenants '}${STATUS_WORDS[st]}`);
  }
  for (const p of platform) parts.push(`platform ${STATUS_WORDS[p.status]}`);
  return parts.join(', ') || 'no stacks';
}
