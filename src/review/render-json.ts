/** The review as stable machine-readable JSON (`--json`): these fields, in this order, nothing internal (`kind`, `detail`). */
import type { PlanReview, StackReview } from './review';
import type { Risk } from './risks';
import { summaryLine } from './summary';

const riskJson = (r: Risk) => ({
  code: r.code,
  severity: r.severity,
  subject: r.subject,
  address: r.address,
  approvedBy: r.approvedBy,
  message: r.message,
});

const stackJson = (s: StackReview) => ({
  stack: s.stack,
  file: s.file,
  status: s.status,
  counts: s.counts,
  items: s.items, // public as they are (their key order is what --json has always printed)
  risks: s.risks.map(riskJson),
  ...(s.migration && { migration: s.migration }),
});

export function reviewJson(review: PlanReview): unknown {
  return {
    ok: review.ok,
    summary: summaryLine(review),
    blockers: review.blockers.map(riskJson),
    stacks: review.stacks.map(stackJson),
  };
}
