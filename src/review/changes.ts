/**
 * Terraform plan JSON → typed changes: what happens to which topic, principal, ACL or quota, with the values
 * before and after in our vocabulary (ACLs as `Acl` bindings). Nothing here judges or words a change; the risk
 * rules (risks.ts) and the item describer (items.ts) read these.
 */
import { type Acl, fromProviderValues } from '../acl';
import { REVOKED_CREDENTIAL_VERSION } from '../model/terraform-names';
import type { StackContext } from './context';
import { SENSITIVE, type TfAction, type TfPlan, type TfResourceChange } from '../terraform/plan-json';

/** What a plan does to one resource (Jikkou's CREATE/UPDATE/DELETE, plus Terraform's replace and forget). */
export type Operation = 'add' | 'change' | 'replace' | 'remove' | 'forget';
/** `keep`: a retained topic of a decommissioning tenant (no-op in the plan, listed so reviewers see it stays). */
export type ChangeKind = Operation | 'keep';
export type ResourceKind = 'topic' | 'principal' | 'acl' | 'quota' | 'other';

/** An attribute value as the plan holds it: a number or string, `(sensitive)` once redacted, or absent. */
export type Scalar = string | number | boolean | null | undefined;

export interface TopicValues {
  readonly name: string;
  readonly partitions: Scalar;
  readonly replicationFactor: Scalar;
  /** Topic configuration, in the plan's key order. */
  readonly config: Readonly<Record<string, Scalar>>;
}

export interface CredentialValues {
  readonly username: string;
  readonly mechanism: string;
  readonly iterations: Scalar;
  readonly passwordVersion: string;
}

export interface QuotaValues {
  readonly entityName: string;
  readonly entityType: string;
  /** Limits (`producer_byte_rate`, …), in the plan's key order. */
  readonly config: Readonly<Record<string, Scalar>>;
}

interface ChangeOf<R extends ResourceKind, V> {
  readonly resource: R;
  /** `none`: Terraform does nothing to it (no-op, a data source read). */
  readonly operation: Operation | 'none';
  readonly address: string;
  readonly stack: string;
  /** The tenant whose stack it is; undefined for the platform stack. */
  readonly tenant?: string;
  /** Undefined when the resource does not exist before (after) the plan. */
  readonly before?: V;
  readonly after?: V;
}

export interface TopicChange extends ChangeOf<'topic', TopicValues> {
  /** Attributes that force the replacement (first element of each of Terraform's `replace_paths`). */
  readonly replacePaths: readonly string[];
}
export type CredentialChange = ChangeOf<'principal', CredentialValues>;
export type AclChange = ChangeOf<'acl', Acl>;
export type QuotaChange = ChangeOf<'quota', QuotaValues>;
export interface OtherChange extends ChangeOf<'other', Readonly<Record<string, unknown>>> {
  /** Terraform resource type. */
  readonly type: string;
}
export type Change = TopicChange | CredentialChange | AclChange | QuotaChange | OtherChange;

/** One stack's plan, as the CLI reads it (`plans/<stack>.plan.json`). */
export interface StackPlan {
  readonly stack: string;
  readonly plan: TfPlan;
}

/** The typed changes of one stack's plan. */
export interface StackChanges {
  readonly stack: string;
  readonly tenant?: string;
  /** Terraform could not complete the plan: what it shows is partial. */
  readonly errored: boolean;
  /** In the plan's order. */
  readonly changes: readonly Change[];
}

/** Terraform's actions → our operation; undefined for no-op and read. */
export function changeKind(actions: readonly TfAction[]): Operation | undefined {
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

/** A plan value as words: `(sensitive)` stays, absent is empty. */
export const str = (v: unknown): string =>
  v === SENSITIVE ? SENSITIVE : v === undefined || v === null ? '' : String(v);
/** A plan value as a number; undefined when absent, sensitive or not a number. */
export const num = (v: unknown): number | undefined => {
  if (v === undefined || v === null || v === '' || v === SENSITIVE) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

type Values = Record<string, unknown>;
const configOf = (v: Values): Record<string, Scalar> => ((v.config as Record<string, Scalar>) ?? {}) || {};

const topicValues = (v: Values): TopicValues => ({
  name: str(v.name),
  partitions: v.partitions as Scalar,
  replicationFactor: v.replication_factor as Scalar,
  config: configOf(v),
});
const credentialValues = (v: Values): CredentialValues => ({
  username: str(v.username),
  mechanism: str(v.scram_mechanism),
  iterations: v.scram_iterations as Scalar,
  passwordVersion: str(v.password_wo_version),
});
const quotaValues = (v: Values): QuotaValues => ({
  entityName: str(v.entity_name),
  entityType: str(v.entity_type),
  config: configOf(v),
});

function typedChange(c: TfResourceChange, stack: string, tenant: string | undefined): Change {
  const common = { operation: changeKind(c.change.actions) ?? 'none', address: c.address, stack, tenant } as const;
  const values = <V>(of: (v: Values) => V) => ({
    before: c.change.before ? of(c.change.before) : undefined,
    after: c.change.after ? of(c.change.after) : undefined,
  });
  switch (c.type) {
    case 'kafka_topic':
      return {
        resource: 'topic',
        ...common,
        ...values(topicValues),
        replacePaths: (c.change.replace_paths ?? []).map((p) => String(p[0])),
      };
    case 'kafka_user_scram_credential':
      return { resource: 'principal', ...common, ...values(credentialValues) };
    case 'kafka_acl':
      return { resource: 'acl', ...common, ...values(fromProviderValues) };
    case 'kafka_quota':
      return { resource: 'quota', ...common, ...values(quotaValues) };
    default:
      return { resource: 'other', type: c.type, ...common, ...values((v) => v) };
  }
}

/** The typed changes of one stack's plan; `ctx` (from the model) says whether it is a tenant's stack. */
export function planChanges(p: StackPlan, ctx: StackContext | undefined): StackChanges {
  const tenant = ctx?.kind === 'platform' ? undefined : p.stack;
  return {
    stack: p.stack,
    tenant,
    errored: Boolean(p.plan.errored),
    changes: (p.plan.resource_changes ?? []).map((c) => typedChange(c, p.stack, tenant)),
  };
}

/** A password version that a decommission sets to lock its principal out for good. */
export const isRevoked = (v: CredentialValues | undefined): boolean =>
  v?.passwordVersion === REVOKED_CREDENTIAL_VERSION;

/** A stack's changes with what the rules and the describer ask about them. */
export interface StackFacts extends StackChanges {
  /** From the model; undefined when the stack's tenant file is gone. */
  readonly ctx?: StackContext;
  readonly decommissioning: boolean;
  /** Decommissioning, or the tenant file is gone: lost access is the intent, not a surprise. */
  readonly leaving: boolean;
  /** Topics this plan creates (a topic deleted next to them may have been renamed). */
  readonly createdTopics: readonly string[];
  /** Principals nobody can log in as any more: credential deleted, or revoked by a decommission. */
  readonly removedPrincipals: ReadonlySet<string>;
}

export function stackFacts(p: StackPlan, ctx: StackContext | undefined): StackFacts {
  const stack = planChanges(p, ctx);
  const decommissioning = ctx?.lifecycle === 'decommissioning';
  return {
    ...stack,
    ctx,
    decommissioning,
    leaving: decommissioning || !ctx,
    createdTopics: stack.changes
      .filter((c) => c.resource === 'topic' && c.operation === 'add')
      .map((c) => (c as TopicChange).after?.name ?? ''),
    removedPrincipals: new Set(
      stack.changes
        .filter((c): c is CredentialChange => c.resource === 'principal')
        .filter((c) => c.operation === 'remove' || isRevoked(c.after))
        .map((c) => c.before?.username ?? ''),
    ),
  };
}
