/**
 * Plan review: Terraform plans (`terraform show -json`) of one or more stacks → what changes for each tenant,
 * in the words a reviewer uses (topics, principals, ACLs, quotas), with every risky action flagged and
 * explained. Pure: no terraform, no cdktf, no files. The CLI (`kafka-tenancy plan-review`) reads the plans and
 * the model and prints the result.
 *
 * Three steps, one way: plan JSON → typed changes (changes.ts) → items (items.ts) and risk rules as data
 * (risks.ts, `RISK_RULES`) → renderers (render-text.ts, render-markdown.ts, render-json.ts). This layer imports
 * only src/acl, src/model, src/naming, src/errors, src/source and itself.
 */
export * from '../terraform/plan-json';
export * from './context';
export {
  changeKind,
  planChanges,
  stackFacts,
  type Change,
  type ChangeKind,
  type Operation,
  type ResourceKind,
  type StackChanges,
  type StackFacts,
  type StackPlan,
} from './changes';
export { formatDuration, formatRate } from './format';
export { describeChange, type ReviewItem } from './items';
export { RISK_RULES, assessRisks, type Risk, type RiskCode, type RiskRule, type Severity } from './risks';
export { reviewPlans, type PlanReview, type StackReview, type StackStatus } from './review';
export { CHANGE_SYMBOL, summaryLine } from './summary';
export { renderMarkdown } from './render-markdown';
export { reviewJson } from './render-json';
export { renderText, type TextTable } from './render-text';
