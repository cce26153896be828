/**
 * The risk rules, as data: one entry per code, each with the most severe finding it reports, one sentence saying
 * what it guards against, and `applies`, which reads a stack's typed changes (and what the tenant file approves)
 * and returns findings. Nothing here looks at a rendered message; renderers only print what the rules found.
 *
 * What is risky with the Mongey/kafka provider:
 * - a topic delete or replace deletes its data (partition decrease, rename, replication factor change when the
 *   cluster cannot reassign, removal). Refused unless the tenant file approves it;
 * - every ACL change and every quota change is delete + create: between the two calls the principal lacks the
 *   grant / is unthrottled;
 * - widened access (new principal, wildcard, broader pattern, new operation);
 * - retention decreases (old data is deleted at the next log cleanup), credential rotation, tier changes.
 */
import { type Acl, WIDENING_RULES, aclKey, aclPolicyFindings, covers, describeAcl } from '../acl';
import {
  type CredentialChange,
  type Operation,
  type QuotaChange,
  type StackFacts,
  type TopicChange,
  isRevoked,
  num,
  str,
} from './changes';
import type { StackContext } from './context';
import { formatDuration, quotaDiff, removalCause, replaceCause, userOf } from './format';
import { quotaEntity, subjectValues, topicName } from './items';

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

export interface Risk {
  readonly code: RiskCode;
  readonly severity: Severity;
  readonly subject: string;
  /** What the review prints: the rule's label, if it has one (`DATA LOSS: `), then the detail. */
  readonly message: string;
  readonly address?: string;
  /** Data loss only: where the tenant file approves it. */
  readonly approvedBy?: string;
  /** The message without the rule's label: what a problem of the tenant file says. */
  readonly detail: string;
}

/** What a rule reports; the rule's code and label are added by `assessRisks`. */
export interface Finding {
  readonly severity: Severity;
  readonly subject: string;
  readonly address?: string;
  readonly approvedBy?: string;
  readonly detail: string;
}

export interface RiskRule {
  /** The most severe finding the rule reports; a finding may be milder (approved data loss is `high`). */
  readonly severity: Severity;
  /** Printed before every finding of the rule. */
  readonly label?: string;
  /** What the rule guards against, in one sentence. */
  readonly description: string;
  readonly applies: (s: StackFacts) => readonly Finding[];
}

export const SEVERITY_ORDER: readonly Severity[] = ['blocker', 'high', 'warning', 'info'];

// ---------------------------------------------------------------------------------------------------------------
// What the rules read

const topics = (s: StackFacts, ...ops: Operation[]): TopicChange[] =>
  s.changes.filter((c): c is TopicChange => c.resource === 'topic' && ops.includes(c.operation as Operation));
const credentials = (s: StackFacts, ...ops: Operation[]): CredentialChange[] =>
  s.changes.filter((c): c is CredentialChange => c.resource === 'principal' && ops.includes(c.operation as Operation));
const quotas = (s: StackFacts, ...ops: Operation[]): QuotaChange[] =>
  s.changes.filter((c): c is QuotaChange => c.resource === 'quota' && ops.includes(c.operation as Operation));

const retiredKey = (ctx: StackContext): string => (ctx.kind === 'platform' ? 'retiredSharedTopics' : 'retiredTopics');

function dataLossApproval(topic: string, ctx: StackContext | undefined): string | undefined {
  if (!ctx) return undefined;
  if (ctx.lifecycle === 'decommissioning' && ctx.deleteData) return `${ctx.file}: deleteDataOnDecommission: true`;
  const migration = ctx.migration?.approvedDeletions[topic];
  if (migration) return migration;
  if (ctx.topics[topic]?.allowDataLoss) return `${ctx.file}: allowDataLoss: true on topic ${topic}`;
  if (!ctx.topics[topic] && ctx.retired[topic]?.deleteData) {
    return `${ctx.file}: ${retiredKey(ctx)} entry for ${topic} with deleteData: true`;
  }
  return undefined;
}

function dataLossFix(op: Operation, ctx: StackContext | undefined, stack: string): string {
  if (!ctx) {
    return `removing a tenant file never deletes a tenant: restore tenants/${stack}.yaml and set "lifecycle: decommissioning" (with "deleteDataOnDecommission: true" only if its data may go)`;
  }
  if (op === 'replace') {
    return ctx.kind === 'platform'
      ? 'shared topics are never recreated by a plan; revert the change'
      : `revert the change, or set allowDataLoss: true on the topic in ${ctx.file} to approve recreating it`;
  }
  return `restore the topic in ${ctx.file}, or retire it under ${retiredKey(ctx)} with deleteData: false (forget it, keep its records) or deleteData: true (delete it and its records)`;
}

/** The clients of a principal that a plan locks out: expected when its tenant leaves, a warning otherwise. */
const lockedOut = (s: StackFacts, c: CredentialChange): Finding => {
  const user = subjectValues(c)?.username ?? '';
  return {
    severity: s.leaving ? 'info' : 'warning',
    subject: user,
    address: c.address,
    detail: `clients using ${user} can no longer authenticate${s.leaving ? '' : '; make sure no application still uses it'}`,
  };
};

interface PlannedAcl {
  readonly acl: Acl;
  readonly address: string;
}

interface AclSets {
  /** Bindings of the stack before and after the plan (unchanged ones in both). */
  readonly before: readonly Acl[];
  readonly after: readonly Acl[];
  readonly added: readonly PlannedAcl[];
  readonly removed: readonly PlannedAcl[];
}

/** The whole ACL set of the stack before and after the plan: widening and windows are judged against it. */
function aclSets(s: StackFacts): AclSets {
  const sets = { before: [] as Acl[], after: [] as Acl[], added: [] as PlannedAcl[], removed: [] as PlannedAcl[] };
  for (const c of s.changes) {
    if (c.resource !== 'acl') continue;
    const { before: b, after: a, operation: op } = c;
    if (b && op !== 'add') sets.before.push(b);
    if (a && op !== 'remove' && op !== 'forget') sets.after.push(a);
    if (a && op === 'add') sets.added.push({ acl: a, address: c.address });
    if (b && op === 'remove') sets.removed.push({ acl: b, address: c.address });
  }
  return sets;
}

const sameGrantShape = (a: Acl, b: Acl) =>
  a.principal === b.principal && a.resourceType === b.resourceType && a.operation === b.operation;

function aclWidening(s: StackFacts): Finding[] {
  const { before, added } = aclSets(s);
  const out: Finding[] = [];
  const beforeKeys = new Set(before.map(aclKey));
  const beforePrincipals = new Set(before.map((a) => a.principal));
  const newPrincipals = new Map<string, Acl[]>();
  for (const { acl, address } of added) {
    if (beforeKeys.has(aclKey(acl))) continue;
    const subject = userOf(acl.principal);
    const violations = aclPolicyFindings(acl, WIDENING_RULES).map((f) => f.message);
    if (violations.length) {
      out.push({ severity: 'high', subject, address, detail: `${describeAcl(acl)}: ${violations.join('; ')}` });
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
      out.push({
        severity: 'warning',
        subject,
        address,
        detail: `broader pattern for ${acl.operation} on ${acl.resourceType}: ${what}`,
      });
    } else {
      const newOperation = !before.some(
        (b) => b.principal === acl.principal && b.resourceType === acl.resourceType && b.operation === acl.operation,
      );
      const detail = `${newOperation ? 'new operation' : 'new resource'}: ${describeAcl(acl)}`;
      out.push({ severity: 'warning', subject, address, detail });
    }
  }
  for (const [principal, acls] of newPrincipals) {
    out.push({
      severity: 'info',
      subject: userOf(principal),
      detail: `new principal ${userOf(principal)} gets ${acls.length} grant(s): ${acls.map((a) => describeAcl(a)).join('; ')}`,
    });
  }
  return out;
}

function aclWindows(s: StackFacts): Finding[] {
  const out: Finding[] = [];
  // An ACL resource the provider replaces (it cannot update one).
  for (const c of s.changes) {
    if (c.resource !== 'acl' || c.operation !== 'replace') continue;
    const acl = subjectValues(c);
    if (!acl) continue;
    out.push({
      severity: 'warning',
      subject: userOf(acl.principal),
      address: c.address,
      detail: `${describeAcl(acl)} is deleted and re-created (the provider cannot update an ACL): the principal is briefly without it`,
    });
  }
  // Overlapping grants of the same shape: the apply deletes one and creates the other in parallel.
  const { added, removed } = aclSets(s);
  for (const { acl, address } of removed) {
    const replacement = added.find((x) => sameGrantShape(x.acl, acl) && (covers(x.acl, acl) || covers(acl, x.acl)));
    if (!replacement) continue;
    const user = userOf(acl.principal);
    out.push({
      severity: 'warning',
      subject: user,
      address,
      detail: `${describeAcl(acl)} is replaced by ${describeAcl(replacement.acl)}: the provider deletes and creates ACLs in parallel, so ${user} may briefly lack it`,
    });
  }
  return out;
}

function accessRemoved(s: StackFacts): Finding[] {
  if (s.leaving) return [];
  const { after, removed } = aclSets(s);
  return removed
    .filter(({ acl }) => !after.some((x) => covers(x, acl)))
    .map(({ acl, address }) => ({
      severity: 'info' as const,
      subject: userOf(acl.principal),
      address,
      detail: `${userOf(acl.principal)} loses ${describeAcl(acl)}`,
    }));
}

function topicUpdate(
  s: StackFacts,
  judge: (c: TopicChange, name: string) => Omit<Finding, 'subject' | 'address'>[],
): Finding[] {
  return topics(s, 'change').flatMap((c) => {
    const subject = topicName(c);
    return judge(c, subject).map((f) => ({ ...f, subject, address: c.address }));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The table

export const RISK_RULES: { readonly [code in RiskCode]: RiskRule } = {
  'plan-errored': {
    severity: 'blocker',
    description: 'terraform could not complete the plan, so what it shows is partial',
    applies: (s) =>
      s.errored
        ? [
            {
              severity: 'blocker',
              subject: s.stack,
              detail: 'terraform could not complete this plan; what it shows is partial. fix the error and plan again',
            },
          ]
        : [],
  },
  'data-loss': {
    severity: 'blocker',
    label: 'DATA LOSS',
    description:
      'a topic is deleted or re-created empty; refused unless the tenant file approves it (allowDataLoss, retired with deleteData: true, deleteDataOnDecommission)',
    applies: (s) =>
      topics(s, 'remove', 'replace').map((c): Finding => {
        const name = topicName(c);
        const removal = c.operation === 'remove';
        const cause = removal ? removalCause(s.ctx, s.createdTopics) : replaceCause(c);
        const what = `topic ${name} is ${removal ? 'deleted' : 'deleted and re-created empty'} (${cause})`;
        const approvedBy = dataLossApproval(name, s.ctx);
        return {
          severity: approvedBy ? 'high' : 'blocker',
          subject: name,
          address: c.address,
          approvedBy,
          detail: approvedBy
            ? `${what}; approved by ${approvedBy}`
            : `${what} and nothing approves it. ${dataLossFix(c.operation as Operation, s.ctx, s.stack)}`,
        };
      }),
  },
  'partition-increase': {
    severity: 'warning',
    description: 'more partitions remap keys (per-key ordering across the change is lost) and can never be undone',
    applies: (s) =>
      topicUpdate(s, (c) => {
        const [pb, pa] = [num(c.before?.partitions), num(c.after?.partitions)];
        if (pb === undefined || pa === undefined || pa <= pb) return [];
        return [
          {
            severity: 'warning',
            detail: `partitions ${pb} → ${pa}: keyed records map to different partitions afterwards, so per-key ordering across the change is lost; partitions can never be lowered again without recreating the topic`,
          },
        ];
      }),
  },
  'replication-change': {
    severity: 'warning',
    description: 'a replication factor change in place is a partition reassignment that copies data between brokers',
    applies: (s) =>
      topicUpdate(s, (c) => {
        const [rb, ra] = [num(c.before?.replicationFactor), num(c.after?.replicationFactor)];
        if (rb === undefined || ra === undefined || rb === ra) return [];
        return [
          {
            severity: 'warning',
            detail: `replication factor ${rb} → ${ra} is applied by a partition reassignment (data is copied between brokers; expect load)`,
          },
        ];
      }),
  },
  'retention-decrease': {
    severity: 'warning',
    description: 'a shorter retention.ms or retention.bytes deletes older data at the next log cleanup',
    applies: (s) =>
      topicUpdate(s, (c) =>
        ['retention.ms', 'retention.bytes'].flatMap((key) => {
          const [vb, va] = [num(c.before?.config[key]), num(c.after?.config[key])];
          if (vb === undefined || va === undefined || vb === va) return [];
          const shorter = (vb < 0 && va >= 0) || (vb >= 0 && va >= 0 && va < vb);
          if (!shorter) return [];
          const fmt = key === 'retention.ms' ? formatDuration : (n: number) => (n < 0 ? 'unlimited' : `${n} bytes`);
          return [
            {
              severity: 'warning' as const,
              detail: `${key} ${fmt(vb)} → ${fmt(va)}: data beyond the new limit is deleted at the next log cleanup and cannot be recovered`,
            },
          ];
        }),
      ),
  },
  'cleanup-policy-change': {
    severity: 'warning',
    description: 'a cleanup.policy change switches between keeping the latest record per key and deleting by age/size',
    applies: (s) =>
      topicUpdate(s, (c) => {
        const [b, a] = [c.before?.config['cleanup.policy'], c.after?.config['cleanup.policy']];
        if (b === undefined || a === undefined || str(b) === str(a)) return [];
        return [
          {
            severity: 'warning',
            detail: `cleanup.policy ${str(b)} → ${str(a)}: ${String(a).includes('compact') ? 'compaction keeps only the latest record per key' : 'records are deleted by age/size instead of kept per key'}`,
          },
        ];
      }),
  },
  'acl-widening': {
    severity: 'high',
    description:
      'a grant the principal did not have: unsafe bindings (policy WIDENING_RULES) are high, a broader pattern, operation or resource a warning, a new principal informational',
    applies: aclWidening,
  },
  'acl-window': {
    severity: 'warning',
    description:
      'the provider deletes and creates ACLs (it cannot update one), so the principal briefly lacks a grant that is replaced',
    applies: aclWindows,
  },
  'access-removed': {
    severity: 'info',
    description: 'a principal that stays loses a grant no remaining binding covers',
    applies: accessRemoved,
  },
  'quota-window': {
    severity: 'warning',
    description: 'the provider applies a quota change as delete + create: the principal is unthrottled in between',
    applies: (s) =>
      quotas(s, 'replace', 'change').map((c) => {
        const entity = quotaEntity(c);
        return {
          severity: 'warning',
          subject: entity,
          address: c.address,
          detail: `the provider applies a quota change as delete + create: ${entity} is unthrottled between the two calls (${quotaDiff(c.before, c.after)})`,
        };
      }),
  },
  'quota-removed': {
    severity: 'high',
    description: 'a principal that keeps its credential loses its quota and is unthrottled from then on',
    applies: (s) =>
      quotas(s, 'remove')
        .filter((c) => !s.removedPrincipals.has(quotaEntity(c)))
        .map((c) => ({
          severity: 'high',
          subject: quotaEntity(c),
          address: c.address,
          detail: `${quotaEntity(c)} keeps its credential but loses its quota: it is unthrottled from now on`,
        })),
  },
  'credential-rotation': {
    severity: 'warning',
    description: 'a new password version: new connections need the new password from the secret store',
    applies: (s) =>
      credentials(s, 'change')
        .filter((c) => !isRevoked(c.after))
        .flatMap((c) => {
          const user = c.after?.username ?? '';
          const [vb, va] = [c.before?.passwordVersion ?? '', c.after?.passwordVersion ?? ''];
          if (vb === va) return [];
          return [
            {
              severity: 'warning' as const,
              subject: user,
              address: c.address,
              detail: `password of ${user} changes (version ${vb} → ${va}): new connections need the new password from the secret store; running sessions continue until they reconnect`,
            },
          ];
        }),
  },
  'credential-window': {
    severity: 'high',
    description: 'a credential deleted and re-created: clients cannot authenticate in between',
    applies: (s) =>
      credentials(s, 'replace').map((c) => {
        const user = c.after?.username ?? '';
        return {
          severity: 'high',
          subject: user,
          address: c.address,
          detail: `the credential of ${user} is deleted and re-created: clients cannot authenticate in between`,
        };
      }),
  },
  'credential-removed': {
    severity: 'warning',
    description: 'a credential is deleted: its clients can no longer authenticate (expected when the tenant leaves)',
    applies: (s) => credentials(s, 'remove').map((c) => lockedOut(s, c)),
  },
  'credential-revoked': {
    severity: 'warning',
    description:
      'a credential is revoked by a decommission (random password nobody knows): its clients can no longer authenticate',
    applies: (s) =>
      credentials(s, 'change')
        .filter((c) => isRevoked(c.after))
        .map((c) => lockedOut(s, c)),
  },
  'tier-change': {
    severity: 'high',
    description:
      'a tier change changes defaults and ACL shape; moving to another cluster creates the topics empty there',
    applies: ({ ctx, stack }) => {
      if (!ctx?.base?.tier || !ctx.tier || ctx.base.tier === ctx.tier) return [];
      const { tier, cluster, base } = ctx;
      const moved = base.cluster && cluster && base.cluster !== cluster;
      return [
        {
          severity: moved ? 'high' : 'warning',
          subject: stack,
          detail: moved
            ? `tier ${base.tier} → ${tier} moves the tenant from cluster ${base.cluster} to ${cluster}: topics are created empty on ${cluster} (no data is migrated) and what exists on ${base.cluster} is no longer managed; migrate the data and clean up ${base.cluster} deliberately`
            : `tier ${base.tier} → ${tier}: defaults (quotas, retention, partitions) and the ACL shape change with the tier; check the quota and ACL changes below`,
        },
      ];
    },
  },
};

/** Every rule's findings for one stack, as risks with the rule's code, sorted: most severe first. */
export function assessRisks(s: StackFacts): Risk[] {
  const risks = (Object.keys(RISK_RULES) as RiskCode[]).flatMap((code) => {
    const rule = RISK_RULES[code];
    return rule.applies(s).map((f): Risk => ({
      code,
      severity: f.severity,
      subject: f.subject,
      address: f.address,
      approvedBy: f.approvedBy,
      message: rule.label ? `${rule.label}: ${f.detail}` : f.detail,
      detail: f.detail,
    }));
  });
  return risks.sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      a.code.localeCompare(b.code) ||
      a.subject.localeCompare(b.subject) ||
      a.message.localeCompare(b.message),
  );
}
