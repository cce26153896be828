/** The review: typed changes of every stack → items and risks per stack, and the blockers of the whole. */
import { type ChangeKind, type ResourceKind, type StackPlan, stackFacts } from './changes';
import type { ReviewContext, StackContext } from './context';
import { type ReviewItem, describeChange } from './items';
import { type Risk, assessRisks } from './risks';

export type StackStatus = 'added' | 'changed' | 'unchanged' | 'decommissioning' | 'removed';

export interface StackReview {
  readonly stack: string;
  /** `platform` for the platform's stack; a stack the model does not know is a (removed) tenant's. */
  readonly kind: StackContext['kind'];
  readonly file?: string;
  readonly status: StackStatus;
  readonly counts: Readonly<Record<ChangeKind, number>>;
  readonly items: readonly ReviewItem[];
  readonly risks: readonly Risk[];
  /** The tier migration the stack is in, as one item (review/migration.ts). */
  readonly migration?: { readonly title: string; readonly lines: readonly string[] };
}

export interface PlanReview {
  readonly stacks: readonly StackReview[];
  /** Unapproved data loss and errored plans: the review fails (exit 1) when this is not empty. */
  readonly blockers: readonly Risk[];
  readonly ok: boolean;
}

const KIND_ORDER: ResourceKind[] = ['topic', 'principal', 'acl', 'quota', 'other'];
const CHANGE_ORDER: ChangeKind[] = ['remove', 'replace', 'change', 'add', 'forget', 'keep'];

export function reviewPlans(plans: readonly StackPlan[], ctx: ReviewContext): PlanReview {
  const stacks = [...plans]
    .sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0))
    .map((p) => reviewStack(p, ctx.stacks[p.stack]));
  const blockers = stacks.flatMap((s) => s.risks.filter((r) => r.severity === 'blocker'));
  return { stacks, blockers, ok: blockers.length === 0 };
}

function reviewStack(p: StackPlan, ctx: StackContext | undefined): StackReview {
  const facts = stackFacts(p, ctx);
  const counts: Record<ChangeKind, number> = { add: 0, change: 0, replace: 0, remove: 0, forget: 0, keep: 0 };
  const items: ReviewItem[] = [];
  for (const c of facts.changes) {
    if (c.operation !== 'none') counts[c.operation]++;
    const described = describeChange(c, facts);
    // during a move between clusters the same names exist on both: say which cluster a target resource is on
    const item =
      described && ctx?.migration?.targetCluster && /(^|\.)migration-target_/.test(described.address)
        ? { ...described, summary: `on ${ctx.migration.targetCluster}: ${described.summary}` }
        : described;
    if (item?.change === 'keep') counts.keep++;
    if (item) items.push(item);
  }

  const changed = Object.values(counts).reduce((a, b) => a + b, 0) - counts.keep;
  const hadResources = facts.changes.some((c) => c.before !== undefined);
  const status: StackStatus = !ctx
    ? 'removed'
    : facts.decommissioning
      ? 'decommissioning'
      : changed === 0
        ? 'unchanged'
        : !hadResources && counts.add === changed
          ? 'added'
          : 'changed';

  const sortedItems = items.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.subject.localeCompare(b.subject) ||
      CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change) ||
      a.summary.localeCompare(b.summary),
  );
  return {
    stack: p.stack,
    kind: ctx?.kind ?? 'tenant',
    file: ctx?.file,
    status,
    counts,
    items: sortedItems,
    risks: assessRisks(facts),
    ...(ctx?.migration && {
      migration: {
        title: `migration ${ctx.migration.from} → ${ctx.migration.to}, state ${ctx.migration.state}`,
        lines: ctx.migration.lines,
      },
    }),
  };
}
