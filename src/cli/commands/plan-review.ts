import * as path from 'node:path';
import { Command } from 'commander';
import { CheckFailed, UsageError, ValidationError } from '../../errors';
import { beforesFromBase, changeProblems } from '../../pipeline/preflight';
import {
  renderMarkdown,
  renderText,
  reviewContext,
  reviewJson,
  reviewPlans,
  summaryLine,
  type StackPlan,
  type TfPlan,
} from '../../review';
import { redactPlan } from '../../terraform/json';
import { readArgJson, writeArgFile } from '../files';
import { diag, table } from '../output';
import { baseModel, projectModel, withProjectOptions, type ProjectOptions } from './project-options';

interface PlanReviewCliOptions extends ProjectOptions {
  readonly json?: boolean;
  readonly markdown?: string;
  readonly base?: string;
}

/** `plans/acme.plan.json` → `acme` (stack names never contain a dot). */
export function stackOfPlanFile(file: string): string {
  return path.basename(file).split('.')[0];
}

export function planReviewCommand(): Command {
  return withProjectOptions(
    new Command('plan-review')
      .argument('<plans...>', 'plan JSON files (terraform show -json), named <stack>.plan.json')
      .description(
        'what the plans change per tenant (topics, principals, ACLs, quotas) with risk flags; exit 1 on data loss the tenant files do not approve',
      )
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy plan-review plans/*.plan.json --markdown review.md --base origin/main\n',
      )
      .option('--json', 'machine-readable output')
      .option('--markdown <file>', 'also write the review as Markdown (for a pull-request comment)')
      .option(
        '--base <ref>',
        'git ref of the base revision: also runs the change rules of validate --base (removed topics, partition decreases, cluster moves)',
      ),
  ).action((files: string[], o: PlanReviewCliOptions) => {
    // Redact again: a plan JSON straight from `terraform show -json` holds the passwords.
    const plans: StackPlan[] = files.map((f) => ({ stack: stackOfPlanFile(f), plan: redactPlan(readPlan(f)) }));
    const model = projectModel(o);
    const base = o.base ? baseModel(o, o.base) : undefined;
    const review = reviewPlans(plans, reviewContext(model, base));
    if (o.markdown) writeArgFile(o.markdown, renderMarkdown(review));
    process.stdout.write(o.json ? JSON.stringify(reviewJson(review), null, 2) + '\n' : renderText(review, table));
    diag(`reviewed ${plans.length} plan(s): ${summaryLine(review)}${o.markdown ? `; markdown in ${o.markdown}` : ''}`);
    // The change rules every command shares (validate --base, plan, deploy): same codes, same messages.
    const changes = base ? changeProblems(beforesFromBase(base), model) : [];
    if (changes.length) throw new ValidationError(changes);
    if (!review.ok) {
      throw new CheckFailed(
        `refused: ${review.blockers.length} unapproved data-loss action(s) or failed plan(s):\n` +
          review.blockers.map((b) => `  ${b.subject}: ${b.message}`).join('\n'),
      );
    }
  });
}

/** A plan file as `terraform show -json` writes it; anything else is a usage error naming the file. */
export function readPlan(file: string): TfPlan {
  const what = 'a plan JSON (terraform show -json <stack>.tfplan)';
  const json = readArgJson(file, what);
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new UsageError(`${file} is not ${what}: expected a JSON object`);
  }
  return json as TfPlan;
}
