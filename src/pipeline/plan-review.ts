/**
 * Plan review: Terraform plans (`terraform show -json`) of one or more stacks → what changes for each tenant,
 * in the words a reviewer uses (topics, principals, ACLs, quotas), with every risky action flagged and
 * explained. Pure: no terraform, no cdktf, no files. The CLI (`kafka-tenancy plan-review`) reads the plans and
 * the model and prints the result.
 *
 * What is risky with the Mongey/kafka provider:
 * - a topic delete or replace deletes its data (partition decrease, rename, replication factor change when the
 *   cluster cannot reassign, removal). Refused unless the tenant file approves it;
 * - every ACL change and every quota change is delete + create: between the two calls the principal lacks the
 *   grant / is unthrottled;
 * - widened access (new principal, wildcard, broader pattern, new operation);
 * - retention decreases (old data is deleted at the next log cleanup), credential rotation, tier changes.
 */
import { type Acl, WIDENING_RULES, aclKey, aclPolicyFindings, covers, describeAcl, fromProviderValues } from '../acl';
import type { Model, RetiredTopicModel, TopicModel } from '../model/types';
import { SENSITIVE, type TfAction, type TfPlan, type TfResourceChange } from './terraform-json';
import { REVOKED_CREDENTIAL_VERSION } from '../model/terraform-names';

// ---------------------------------------------------------------------------------------------------------------
// Context: what the tenant files approve (from the model)

export interface TopicApproval {
  readonly name: string;
  readonly allowDataLoss: boolean;
}

/** What the model says about one stack; plan review needs nothing else from the tenant files. */
export interface StackContext {
  readonly stack: string;
  readonly kind: 'tenant' | 'platform';
  /** `tenants/acme.yaml` or `environments/local.yaml`. */
  readonly file: string;
  readonly lifecycle: 'active' | 'decommissioning';
  /** Decommissioning with `deleteDataOnDecommission: true`. */
  readonly deleteData: boolean;
  readonly tier?: string;
  readonly cluster?: string;
  /** Topics declared now, by full name. */
  readonly topics: Readonly<Record<string, TopicApproval>>;
  /** Topics retired in the file (`retiredTopics` / `retiredSharedTopics`), by full name: delete or keep data. */
  readonly retired: Readonly<Record<string, { readonly deleteData: boolean }>>;
  /** From the base revision, when known: tier, cluster and topics as they were (approvals of removed topics). */
  readonly base?: {
    readonly tier?: string;
    readonly cluster?: string;
    readonly topics: Readonly<Record<string, TopicApproval>>;
  };
}

export interface ReviewContext {
  /** Stacks that exist in the head model. A plan for a stack missing here is a removed tenant. */
  readonly stacks: Readonly<Record<string, StackContext>>;
}

const topicApprovals = (topics: readonly TopicModel[]): Record<string, TopicApproval> =>
  Object.fromEntries(topics.map((t) => [t.name, { name: t.name, allowDataLoss: t.allowDataLoss }]));
const retirements = (retired: readonly RetiredTopicModel[]): Record<string, { deleteData: boolean }> =>
  Object.fromEntries(retired.map((r) => [r.name, { deleteData: r.deleteData }]));

/** The review context of a model (head), optionally with the model of the base revision. */
export function reviewContext(model: Model, base?: Model, platformStack = 'platform'): ReviewContext {
  const envFile = `environments/${model.env.name}.yaml`;
  const stacks: Record<string, StackContext> = {
    [platformStack]: {
      stack: platformStack,
      kind: 'platform',
      file: envFile,
      lifecycle: 'active',
      deleteData: false,
      cluster: model.env.sharedCluster,
      topics: topicApprovals(model.platform.topics),
      retired: retirements(model.platform.retiredTopics),
      base: base ? { cluster: base.env.sharedCluster, topics: topicApprovals(base.platform.topics) } : undefined,
    },
  };
  for (const t of model.tenants) {
    const b = base?.tenants.find((x) => x.id === t.id);
    stacks[t.id] = {
      stack: t.id,
      kind: 'tenant',
      file: t.file,
      lifecycle: t.lifecycle,
      deleteData: t.deleteData,
      tier: t.tier,
      cluster: t.cluster,
      topics: topicApprovals(t.topics),
      retired: retirements(t.retiredTopics),
      base: b ? { tier: b.tier, cluster: b.cluster, topics: topicApprovals(b.topics) } : undefined,
    };
  }
  return { stacks };
}

// ---------------------------------------------------------------------------------------------------------------
// Review model

/** `keep`: a retained topic of a decommissioning tenant (no-op in the plan, listed so reviewers see it stays). */
export type ChangeKind = 'add' | 'change' | 'replace' | 'remove' | 'forget' | 'keep';
export type ResourceKind = 'topic' | 'principal' | 'acl' | 'quota' | 'other';
export type Severity = 'blocker' | 'high' | 'warning' | 'info';
export type RiskCode =
  | 'data-loss'
  | 'plan-errored'
  | 'retention-decrease'
  | 'partition-increase'
  | 'cleanup-policy-change'
  | 'replication-change'
  | 'acl-widening'
  | 'acl-window'
  | 'access-removed'
  | 'quota-window'
  | 'quota-removed'
  | 'credential-rotation'
  | 'credential-window'
  | 'credential-removed'
  | 'credential-revoked'
  | 'tier-change';

export interface ReviewItem {
  readonly kind: ResourceKind;
  readonly change: ChangeKind;
  /** Topic name, username, or `username` for ACLs and quotas. */
  readonly subject: string;
  /** One line in human terms. */
  readonly summary: string;
  readonly address: string;
}

export interface Risk {
  readonly code: RiskCode;
  readonly severity: Severity;
  readonly subject: string;
  readonly message: string;
  readonly address?: string;
  /** Data loss only: where the tenant file approves it. */
  readonly approvedBy?: string;
}

export type StackStatus = 'added' | 'changed' | 'unchanged' | 'decommissioning' | 'removed';

export interface StackReview {
  readonly stack: string;
  readonly file?: string;
  readonly status: StackStatus;
  readonly counts: Readonly<Record<ChangeKind, number>>;
  readonly items: readonly ReviewItem[];
  readonly risks: readonly Risk[];
}

export interface PlanReview {
  readonly stacks: readonly StackReview[];
  /** Unapproved data loss and errored plans: the review fails (exit 1) when this is not empty. */
  readonly blockers: readonly Risk[];
  readonly ok: boolean;
}

export interface StackPlan {
  readonly stack: string;
  readonly plan: TfPlan;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers: actions, values, human formatting

export function changeKind(actions: readonly TfAction[]): ChangeKind | undefined {
  const a = [...actions].sort().join(',');
  switch (a) {
    case 'create':
      return 'add';
    case 'update':
      return 'change';
    case 'delete':
      return 'remove';
    case 'create,delete':
      return 'replace';
    case 'forget':
      return 'forget';
    default:
      return undefined; // no-op, read
  }
}

type Values = Record<string, unknown>;
const str = (v: unknown): string => (v === SENSITIVE ? SENSITIVE : v === undefined || v === null ? '' : String(v));
const num = (v: unknown): number | undefined => {
  if (v === undefined || v === null || v === '' || v === SENSITIVE) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};
const configOf = (v: Values | null): Record<string, unknown> => ((v?.config as Record<string, unknown>) ?? {}) || {};

/** `604800000` ms → `7 d`; `-1` → `forever`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '?';
  if (ms < 0) return 'forever';
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size) return `${ms % size === 0 ? ms / size : (ms / size).toFixed(1)} ${unit}`;
  }
  return `${ms} ms`;
}

/** `1048576` → `1 MiB/s`. */
export function formatRate(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  const units: [number, string][] = [
    [1024 * 1024 * 1024, 'GiB/s'],
    [1024 * 1024, 'MiB/s'],
    [1024, 'KiB/s'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${Number.isInteger(v) ? v : v.toFixed(2)} ${unit}`;
    }
  }
  return `${bytes} B/s`;
}

const userOf = (principal: string) => principal.replace(/^User:/, '');

function aclOf(v: Values | null): Acl | undefined {
  return v ? fromProviderValues(v) : undefined;
}

const sameGrantShape = (a: Acl, b: Acl) =>
  a.principal === b.principal && a.resourceType === b.resourceType && a.operation === b.operation;

function quotaSummary(v: Values | null): string {
  const c = configOf(v);
  const parts: string[] = [];
  if (c.producer_byte_rate !== undefined) parts.push(`produce ${formatRate(num(c.producer_byte_rate))}`);
  if (c.consumer_byte_rate !== undefined) parts.push(`fetch ${formatRate(num(c.consumer_byte_rate))}`);
  if (c.request_percentage !== undefined) parts.push(`${str(c.request_percentage)} % request time`);
  for (const [k, val] of Object.entries(c)) {
    if (!['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'].includes(k)) parts.push(`${k} ${str(val)}`);
  }
  return parts.join(', ') || 'no limits';
}

function quotaDiff(before: Values | null, after: Values | null): string {
  const b = configOf(before);
  const a = configOf(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  const label: Record<string, [string, (n: number | undefined) => string]> = {
    producer_byte_rate: ['produce', formatRate],
    consumer_byte_rate: ['fetch', formatRate],
    request_percentage: ['request time', (n) => (n === undefined ? '?' : `${n} %`)],
  };
  const parts: string[] = [];
  for (const k of keys) {
    if (str(b[k]) === str(a[k])) continue;
    const [name, fmt] = label[k] ?? [k, (n: number | undefined) => String(n)];
    const nb = num(b[k]);
    const na = num(a[k]);
    const dir = nb !== undefined && na !== undefined ? (na > nb ? ' (raised)' : ' (lowered)') : '';
    parts.push(`${name} ${b[k] === undefined ? 'unset' : fmt(nb)} → ${a[k] === undefined ? 'unset' : fmt(na)}${dir}`);
  }
  return parts.join(', ') || 'same limits';
}

function topicSummary(v: Values | null): string {
  const c = configOf(v);
  const parts = [`${str(v?.partitions)} partitions`, `replication factor ${str(v?.replication_factor)}`];
  if (c['retention.ms'] !== undefined) parts.push(`retention ${formatDuration(num(c['retention.ms']))}`);
  if (c['cleanup.policy'] !== undefined && c['cleanup.policy'] !== 'delete')
    parts.push(`cleanup ${str(c['cleanup.policy'])}`);
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// The review

const SEVERITY_ORDER: Severity[] = ['blocker', 'high', 'warning', 'info'];
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
  const items: ReviewItem[] = [];
  const risks: Risk[] = [];
  const changes = p.plan.resource_changes ?? [];
  const counts: Record<ChangeKind, number> = { add: 0, change: 0, replace: 0, remove: 0, forget: 0, keep: 0 };
  if (p.plan.errored) {
    risks.push({
      code: 'plan-errored',
      severity: 'blocker',
      subject: p.stack,
      message: 'terraform could not complete this plan; what it shows is partial. fix the error and plan again',
    });
  }

  const topicChanges = changes.filter((c) => c.type === 'kafka_topic');
  const createdTopics = topicChanges
    .filter((c) => changeKind(c.change.actions) === 'add')
    .map((c) => str(c.change.after?.name));
  // Principals nobody can log in as any more: credential deleted, or revoked by a decommission.
  const removedPrincipals = new Set(
    changes
      .filter(
        (c) =>
          c.type === 'kafka_user_scram_credential' &&
          (changeKind(c.change.actions) === 'remove' ||
            c.change.after?.password_wo_version === REVOKED_CREDENTIAL_VERSION),
      )
      .map((c) => str(c.change.before?.username)),
  );
  const decommissioning = ctx?.lifecycle === 'decommissioning';

  for (const c of changes) {
    const kind = changeKind(c.change.actions);
    if (!kind) {
      if (decommissioning && c.type === 'kafka_topic' && c.change.actions.includes('no-op')) {
        counts.keep++;
        items.push({
          kind: 'topic',
          change: 'keep',
          subject: str(c.change.before?.name),
          summary: 'retained with its data; once its ACLs are gone only the admin can reach it',
          address: c.address,
        });
      }
      continue;
    }
    counts[kind]++;
    switch (c.type) {
      case 'kafka_topic':
        reviewTopic(c, kind, ctx, p.stack, createdTopics, items, risks);
        break;
      case 'kafka_user_scram_credential':
        reviewCredential(c, kind, decommissioning || !ctx, items, risks);
        break;
      case 'kafka_quota':
        reviewQuota(c, kind, removedPrincipals, items, risks);
        break;
      case 'kafka_acl': {
        const acl = aclOf(kind === 'remove' ? c.change.before : c.change.after);
        if (acl)
          items.push({
            kind: 'acl',
            change: kind,
            subject: userOf(acl.principal),
            summary: describeAcl(acl),
            address: c.address,
          });
        if (kind === 'replace' && acl) {
          risks.push({
            code: 'acl-window',
            severity: 'warning',
            subject: userOf(acl.principal),
            address: c.address,
            message: `${describeAcl(acl)} is deleted and re-created (the provider cannot update an ACL): the principal is briefly without it`,
          });
        }
        break;
      }
      default:
        items.push({ kind: 'other', change: kind, subject: c.address, summary: c.type, address: c.address });
    }
  }
  reviewAcls(changes, decommissioning || !ctx, risks);

  if (ctx?.base?.tier && ctx.tier && ctx.base.tier !== ctx.tier) {
    const moved = ctx.base.cluster && ctx.cluster && ctx.base.cluster !== ctx.cluster;
    risks.push({
      code: 'tier-change',
      severity: moved ? 'high' : 'warning',
      subject: p.stack,
      message: moved
        ? `tier ${ctx.base.tier} → ${ctx.tier} moves the tenant from cluster ${ctx.base.cluster} to ${ctx.cluster}: topics are created empty on ${ctx.cluster} (no data is migrated) and what exists on ${ctx.base.cluster} is no longer managed; migrate the data and clean up ${ctx.base.cluster} deliberately`
        : `tier ${ctx.base.tier} → ${ctx.tier}: defaults (quotas, retention, partitions) and the ACL shape change with the tier; check the quota and ACL changes below`,
    });
  }

  const changed = Object.values(counts).reduce((a, b) => a + b, 0) - counts.keep;
  const hadResources = changes.some((c) => c.change.before !== null && c.change.before !== undefined);
  const status: StackStatus = !ctx
    ? 'removed'
    : decommissioning
      ? 'decommissioning'
      : changed === 0
        ? 'unchanged'
        : !hadResources && counts.add === changed
          ? 'added'
          : 'changed';

  const sortedItems = [...items].sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.subject.localeCompare(b.subject) ||
      CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change) ||
      a.summary.localeCompare(b.summary),
  );
  const sortedRisks = [...risks].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      a.code.localeCompare(b.code) ||
      a.subject.localeCompare(b.subject) ||
      a.message.localeCompare(b.message),
  );
  return { stack: p.stack, file: ctx?.file, status, counts, items: sortedItems, risks: sortedRisks };
}

function reviewTopic(
  c: TfResourceChange,
  kind: ChangeKind,
  ctx: StackContext | undefined,
  stack: string,
  createdTopics: readonly string[],
  items: ReviewItem[],
  risks: Risk[],
): void {
  const before = c.change.before;
  const after = c.change.after;
  const name = str((after ?? before)?.name);
  const base = { kind: 'topic' as const, change: kind, subject: name, address: c.address };
  switch (kind) {
    case 'add':
      items.push({ ...base, summary: topicSummary(after) });
      return;
    case 'forget':
      items.push({ ...base, summary: 'kept on the cluster, no longer managed by terraform' });
      return;
    case 'change': {
      items.push({ ...base, summary: topicDiff(before, after).join('; ') || 'in-place update' });
      topicUpdateRisks(c, name, risks);
      return;
    }
    case 'remove':
    case 'replace': {
      const cause = kind === 'remove' ? removalCause(ctx, createdTopics) : replaceCause(c);
      items.push({
        ...base,
        summary:
          kind === 'remove'
            ? `DELETED with its data (${cause})`
            : `DELETED and re-created empty (${cause}); ${topicDiff(before, after).join('; ')}`,
      });
      const approvedBy = dataLossApproval(name, ctx);
      risks.push({
        code: 'data-loss',
        severity: approvedBy ? 'high' : 'blocker',
        subject: name,
        address: c.address,
        approvedBy,
        message: approvedBy
          ? `DATA LOSS: topic ${name} is ${kind === 'remove' ? 'deleted' : 'deleted and re-created empty'} (${cause}); approved by ${approvedBy}`
          : `DATA LOSS: topic ${name} is ${kind === 'remove' ? 'deleted' : 'deleted and re-created empty'} (${cause}) and nothing approves it. ${dataLossFix(kind, ctx, stack)}`,
      });
      return;
    }
  }
}

function topicDiff(before: Values | null, after: Values | null): string[] {
  const out: string[] = [];
  if (before && after) {
    if (str(before.name) !== str(after.name)) out.push(`name ${str(before.name)} → ${str(after.name)}`);
    if (str(before.partitions) !== str(after.partitions))
      out.push(`partitions ${str(before.partitions)} → ${str(after.partitions)}`);
    if (str(before.replication_factor) !== str(after.replication_factor)) {
      out.push(`replication factor ${str(before.replication_factor)} → ${str(after.replication_factor)}`);
    }
    const b = configOf(before);
    const a = configOf(after);
    for (const k of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      if (str(b[k]) === str(a[k])) continue;
      const fmt = (v: unknown) => (v === undefined ? 'unset' : k === 'retention.ms' ? formatDuration(num(v)) : str(v));
      out.push(`${k} ${fmt(b[k])} → ${fmt(a[k])}`);
    }
  }
  return out;
}

function topicUpdateRisks(c: TfResourceChange, name: string, risks: Risk[]): void {
  const before = c.change.before;
  const after = c.change.after;
  const pb = num(before?.partitions);
  const pa = num(after?.partitions);
  if (pb !== undefined && pa !== undefined && pa > pb) {
    risks.push({
      code: 'partition-increase',
      severity: 'warning',
      subject: name,
      address: c.address,
      message: `partitions ${pb} → ${pa}: keyed records map to different partitions afterwards, so per-key ordering across the change is lost; partitions can never be lowered again without recreating the topic`,
    });
  }
  const rb = num(before?.replication_factor);
  const ra = num(after?.replication_factor);
  if (rb !== undefined && ra !== undefined && rb !== ra) {
    risks.push({
      code: 'replication-change',
      severity: 'warning',
      subject: name,
      address: c.address,
      message: `replication factor ${rb} → ${ra} is applied by a partition reassignment (data is copied between brokers; expect load)`,
    });
  }
  const b = configOf(before);
  const a = configOf(after);
  for (const key of ['retention.ms', 'retention.bytes']) {
    const vb = num(b[key]);
    const va = num(a[key]);
    if (vb === undefined || va === undefined || vb === va) continue;
    const shorter = (vb < 0 && va >= 0) || (vb >= 0 && va >= 0 && va < vb);
    if (!shorter) continue;
    const fmt = key === 'retention.ms' ? formatDuration : (n: number) => (n < 0 ? 'unlimited' : `${n} bytes`);
    risks.push({
      code: 'retention-decrease',
      severity: 'warning',
      subject: name,
      address: c.address,
      message: `${key} ${fmt(vb)} → ${fmt(va)}: data beyond the new limit is deleted at the next log cleanup and cannot be recovered`,
    });
  }
  if (
    b['cleanup.policy'] !== undefined &&
    a['cleanup.policy'] !== undefined &&
    str(b['cleanup.policy']) !== str(a['cleanup.policy'])
  ) {
    risks.push({
      code: 'cleanup-policy-change',
      severity: 'warning',
      subject: name,
      address: c.address,
      message: `cleanup.policy ${str(b['cleanup.policy'])} → ${str(a['cleanup.policy'])}: ${String(a['cleanup.policy']).includes('compact') ? 'compaction keeps only the latest record per key' : 'records are deleted by age/size instead of kept per key'}`,
    });
  }
}

function removalCause(ctx: StackContext | undefined, createdTopics: readonly string[]): string {
  if (!ctx) return 'the tenant file was removed';
  if (ctx.lifecycle === 'decommissioning' && ctx.deleteData) return 'tenant decommissioned with data deletion';
  if (createdTopics.length > 0) {
    return `no longer declared in ${ctx.file}; renamed to ${createdTopics.join(', ')}? the provider cannot rename a topic`;
  }
  return `no longer declared in ${ctx.file}`;
}

function replaceCause(c: TfResourceChange): string {
  const before = c.change.before ?? {};
  const after = c.change.after ?? {};
  const paths = (c.change.replace_paths ?? []).map((p) => String(p[0]));
  const causes: string[] = [];
  const attrs = paths.length ? paths : ['partitions', 'name', 'replication_factor'];
  for (const attr of [...new Set(attrs)]) {
    if (
      attr === 'partitions' &&
      num(after.partitions) !== undefined &&
      num(before.partitions)! > num(after.partitions)!
    ) {
      causes.push(`partition decrease ${str(before.partitions)} → ${str(after.partitions)}`);
    } else if (attr === 'name' && str(before.name) !== str(after.name)) {
      causes.push(`rename ${str(before.name)} → ${str(after.name)}`);
    } else if (attr === 'replication_factor' && str(before.replication_factor) !== str(after.replication_factor)) {
      causes.push(
        `replication factor change ${str(before.replication_factor)} → ${str(after.replication_factor)} the cluster cannot apply in place`,
      );
    } else if (paths.length) {
      causes.push(`${attr} cannot be changed in place`);
    }
  }
  return causes.join(', ') || 'the provider cannot update it in place';
}

function dataLossApproval(topic: string, ctx: StackContext | undefined): string | undefined {
  if (!ctx) return undefined;
  if (ctx.lifecycle === 'decommissioning' && ctx.deleteData) return `${ctx.file}: deleteDataOnDecommission: true`;
  if (ctx.topics[topic]?.allowDataLoss) return `${ctx.file}: allowDataLoss: true on topic ${topic}`;
  if (!ctx.topics[topic] && ctx.retired[topic]?.deleteData) {
    return `${ctx.file}: ${retiredKey(ctx)} entry for ${topic} with deleteData: true`;
  }
  return undefined;
}

function dataLossFix(kind: ChangeKind, ctx: StackContext | undefined, stack: string): string {
  if (!ctx) {
    return `removing a tenant file never deletes a tenant: restore tenants/${stack}.yaml and set "lifecycle: decommissioning" (with "deleteDataOnDecommission: true" only if its data may go)`;
  }
  if (kind === 'replace') {
    return ctx.kind === 'platform'
      ? 'shared topics are never recreated by a plan; revert the change'
      : `revert the change, or set allowDataLoss: true on the topic in ${ctx.file} to approve recreating it`;
  }
  return `restore the topic in ${ctx.file}, or retire it under ${retiredKey(ctx)} with deleteData: false (forget it, keep its records) or deleteData: true (delete it and its records)`;
}

const retiredKey = (ctx: StackContext): string => (ctx.kind === 'platform' ? 'retiredSharedTopics' : 'retiredTopics');

function reviewCredential(
  c: TfResourceChange,
  kind: ChangeKind,
  leaving: boolean,
  items: ReviewItem[],
  risks: Risk[],
): void {
  const v = (kind === 'remove' ? c.change.before : c.change.after) ?? {};
  const user = str(v.username);
  const base = { kind: 'principal' as const, change: kind, subject: user, address: c.address };
  const mech = `${str(v.scram_mechanism)} credential`;
  const lockedOut = (code: 'credential-removed' | 'credential-revoked'): Risk => ({
    code,
    severity: leaving ? 'info' : 'warning',
    subject: user,
    address: c.address,
    message: `clients using ${user} can no longer authenticate${leaving ? '' : '; make sure no application still uses it'}`,
  });
  switch (kind) {
    case 'add':
      items.push({
        ...base,
        summary: `new ${mech}${v.scram_iterations ? `, ${str(v.scram_iterations)} iterations` : ''}`,
      });
      return;
    case 'remove':
      items.push({ ...base, summary: `${mech} deleted: clients can no longer authenticate as ${user}` });
      risks.push(lockedOut('credential-removed'));
      return;
    case 'change': {
      const vb = str(c.change.before?.password_wo_version);
      const va = str(c.change.after?.password_wo_version);
      if (va === REVOKED_CREDENTIAL_VERSION) {
        items.push({
          ...base,
          summary: `${mech} revoked: its password becomes a random one nobody knows, so clients can no longer authenticate as ${user}; the credential itself stays (deleting one can lock every SCRAM user out on a broker restart)`,
        });
        risks.push(lockedOut('credential-revoked'));
        return;
      }
      const rotation = vb !== va;
      items.push({ ...base, summary: rotation ? `password rotated (version ${vb} → ${va})` : `${mech} updated` });
      if (rotation) {
        risks.push({
          code: 'credential-rotation',
          severity: 'warning',
          subject: user,
          address: c.address,
          message: `password of ${user} changes (version ${vb} → ${va}): new connections need the new password from the secret store; running sessions continue until they reconnect`,
        });
      }
      return;
    }
    case 'replace':
      items.push({ ...base, summary: `${mech} deleted and re-created` });
      risks.push({
        code: 'credential-window',
        severity: 'high',
        subject: user,
        address: c.address,
        message: `the credential of ${user} is deleted and re-created: clients cannot authenticate in between`,
      });
      return;
    case 'forget':
      items.push({ ...base, summary: 'no longer managed by terraform' });
  }
}

function reviewQuota(
  c: TfResourceChange,
  kind: ChangeKind,
  removedPrincipals: ReadonlySet<string>,
  items: ReviewItem[],
  risks: Risk[],
): void {
  const v = (kind === 'remove' ? c.change.before : c.change.after) ?? {};
  const entity = str(v.entity_name) || `default ${str(v.entity_type)}`;
  const base = { kind: 'quota' as const, change: kind, subject: entity, address: c.address };
  switch (kind) {
    case 'add':
      items.push({ ...base, summary: quotaSummary(c.change.after) });
      return;
    case 'remove':
      items.push({ ...base, summary: `quota removed (was ${quotaSummary(c.change.before)})` });
      if (!removedPrincipals.has(entity)) {
        risks.push({
          code: 'quota-removed',
          severity: 'high',
          subject: entity,
          address: c.address,
          message: `${entity} keeps its credential but loses its quota: it is unthrottled from now on`,
        });
      }
      return;
    case 'replace':
    case 'change':
      items.push({ ...base, summary: quotaDiff(c.change.before, c.change.after) });
      risks.push({
        code: 'quota-window',
        severity: 'warning',
        subject: entity,
        address: c.address,
        message: `the provider applies a quota change as delete + create: ${entity} is unthrottled between the two calls (${quotaDiff(c.change.before, c.change.after)})`,
      });
      return;
    case 'forget':
      items.push({ ...base, summary: 'no longer managed by terraform' });
  }
}

/** Widening, windows and removed access, from the whole ACL set of the stack before and after the plan. */
function reviewAcls(changes: readonly TfResourceChange[], leaving: boolean, risks: Risk[]): void {
  const before: Acl[] = [];
  const after: Acl[] = [];
  const added: { acl: Acl; address: string }[] = [];
  const removed: { acl: Acl; address: string }[] = [];
  for (const c of changes) {
    if (c.type !== 'kafka_acl') continue;
    const kind = changeKind(c.change.actions);
    const b = aclOf(c.change.before);
    const a = aclOf(c.change.after);
    if (b && kind !== 'add') before.push(b);
    if (a && kind !== 'remove' && kind !== 'forget') after.push(a);
    if (a && kind === 'add') added.push({ acl: a, address: c.address });
    if (b && kind === 'remove') removed.push({ acl: b, address: c.address });
  }
  const beforeKeys = new Set(before.map(aclKey));
  const beforePrincipals = new Set(before.map((a) => a.principal));
  const newPrincipals = new Map<string, Acl[]>();

  for (const { acl, address } of added) {
    if (beforeKeys.has(aclKey(acl))) continue;
    const user = userOf(acl.principal);
    const violations = aclPolicyFindings(acl, WIDENING_RULES).map((f) => f.message);
    if (violations.length) {
      risks.push({
        code: 'acl-widening',
        severity: 'high',
        subject: user,
        address,
        message: `${describeAcl(acl)}: ${violations.join('; ')}`,
      });
      continue;
    }
    if (!beforePrincipals.has(acl.principal)) {
      newPrincipals.set(acl.principal, [...(newPrincipals.get(acl.principal) ?? []), acl]);
      continue;
    }
    if (before.some((b) => covers(b, acl))) continue; // narrower or equal: no widening
    const broadened = before.find((b) => sameGrantShape(b, acl) && covers(acl, b));
    if (broadened) {
      const what =
        broadened.patternType === 'Literal' && acl.patternType === 'Prefixed'
          ? `Literal \`${broadened.resourceName}\` → Prefixed \`${acl.resourceName}\``
          : `prefix \`${broadened.resourceName}\` → \`${acl.resourceName}\``;
      risks.push({
        code: 'acl-widening',
        severity: 'warning',
        subject: user,
        address,
        message: `broader pattern for ${acl.operation} on ${acl.resourceType}: ${what}`,
      });
    } else if (
      !before.some(
        (b) => b.principal === acl.principal && b.resourceType === acl.resourceType && b.operation === acl.operation,
      )
    ) {
      risks.push({
        code: 'acl-widening',
        severity: 'warning',
        subject: user,
        address,
        message: `new operation: ${describeAcl(acl)}`,
      });
    } else {
      risks.push({
        code: 'acl-widening',
        severity: 'warning',
        subject: user,
        address,
        message: `new resource: ${describeAcl(acl)}`,
      });
    }
  }
  for (const [principal, acls] of newPrincipals) {
    risks.push({
      code: 'acl-widening',
      severity: 'info',
      subject: userOf(principal),
      message: `new principal ${userOf(principal)} gets ${acls.length} grant(s): ${acls.map((a) => describeAcl(a)).join('; ')}`,
    });
  }

  for (const { acl, address } of removed) {
    const user = userOf(acl.principal);
    // Overlapping grants of the same shape: the apply deletes one and creates the other in parallel.
    const replacement = added.find((x) => sameGrantShape(x.acl, acl) && (covers(x.acl, acl) || covers(acl, x.acl)));
    const stillCovered = after.some((x) => covers(x, acl));
    if (replacement) {
      risks.push({
        code: 'acl-window',
        severity: 'warning',
        subject: user,
        address,
        message: `${describeAcl(acl)} is replaced by ${describeAcl(replacement.acl)}: the provider deletes and creates ACLs in parallel, so ${user} may briefly lack it`,
      });
    }
    if (!stillCovered && !leaving) {
      risks.push({
        code: 'access-removed',
        severity: 'info',
        subject: user,
        address,
        message: `${user} loses ${describeAcl(acl)}`,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export const CHANGE_SYMBOL: Record<ChangeKind, string> = {
  add: '+',
  change: '~',
  replace: '-/+',
  remove: '-',
  forget: 'forget',
  keep: '=',
};
const SEVERITY_LABEL: Record<Severity, string> = {
  blocker: '**BLOCKER**',
  high: '**HIGH**',
  warning: 'warning',
  info: 'info',
};
const STATUS_WORDS: Record<StackStatus, string> = {
  added: 'added',
  changed: 'changed',
  unchanged: 'unchanged',
  decommissioning: 'decommissioning',
  removed: 'removed',
};

/** `1 tenant added, 1 changed`; the platform stack counts as "platform". */
export function summaryLine(review: PlanReview): string {
  const tenants = review.stacks.filter((s) => s.file?.startsWith('environments/') !== true);
  const platform = review.stacks.filter((s) => s.file?.startsWith('environments/') === true);
  const by = (status: StackStatus) => tenants.filter((s) => s.status === status).length;
  const parts: string[] = [];
  for (const st of ['added', 'changed', 'decommissioning', 'removed', 'unchanged'] as StackStatus[]) {
    const n = by(st);
    if (n) parts.push(`${n} ${parts.length ? '' : n === 1 ? 'tenant ' : 'tenants '}${STATUS_WORDS[st]}`);
  }
  for (const p of platform) parts.push(`platform ${STATUS_WORDS[p.status]}`);
  return parts.join(', ') || 'no stacks';
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown for a pull-request comment. Deterministic: same plans, same text. */
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

/** Stable machine-readable form (`--json`). */
export function reviewJson(review: PlanReview): unknown {
  return {
    ok: review.ok,
    summary: summaryLine(review),
    blockers: review.blockers,
    stacks: review.stacks,
  };
}
