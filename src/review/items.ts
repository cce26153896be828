/** Each change as one line a reviewer reads: what happens to which topic, principal, ACL or quota. */
import { describeAcl } from '../acl';
import type {
  AclChange,
  Change,
  ChangeKind,
  CredentialChange,
  QuotaChange,
  ResourceKind,
  StackFacts,
  TopicChange,
} from './changes';
import { isRevoked } from './changes';
import { quotaDiff, quotaSummary, removalCause, replaceCause, topicDiff, topicSummary, userOf } from './format';

export interface ReviewItem {
  readonly kind: ResourceKind;
  readonly change: ChangeKind;
  /** Topic name, username, or `username` for ACLs and quotas. */
  readonly subject: string;
  /** One line in human terms. */
  readonly summary: string;
  readonly address: string;
}

/** The item of one change; undefined for what a reviewer need not see (no-ops, an ACL without values). */
export function describeChange(c: Change, s: StackFacts): ReviewItem | undefined {
  if (c.operation === 'none') {
    if (s.decommissioning && c.resource === 'topic') {
      return {
        kind: 'topic',
        change: 'keep',
        subject: c.before?.name ?? '',
        summary: 'retained with its data; once its ACLs are gone only the admin can reach it',
        address: c.address,
      };
    }
    return undefined;
  }
  switch (c.resource) {
    case 'topic':
      return topicItem(c, s);
    case 'principal':
      return credentialItem(c);
    case 'quota':
      return quotaItem(c);
    case 'acl':
      return aclItem(c);
    default:
      return { kind: 'other', change: c.operation, subject: c.address, summary: c.type, address: c.address };
  }
}

function topicItem(c: TopicChange, s: StackFacts): ReviewItem | undefined {
  const base = { kind: 'topic' as const, change: c.operation as ChangeKind, subject: topicName(c), address: c.address };
  switch (c.operation) {
    case 'add':
      return { ...base, summary: topicSummary(c.after) };
    case 'forget':
      return { ...base, summary: 'kept on the cluster, no longer managed by terraform' };
    case 'change':
      return { ...base, summary: topicDiff(c.before, c.after).join('; ') || 'in-place update' };
    case 'remove':
      return { ...base, summary: `DELETED with its data (${removalCause(s.ctx, s.createdTopics)})` };
    case 'replace':
      return {
        ...base,
        summary: `DELETED and re-created empty (${replaceCause(c)}); ${topicDiff(c.before, c.after).join('; ')}`,
      };
  }
  return undefined;
}

/** The topic a change is about (its new name when renamed). */
export const topicName = (c: TopicChange): string => (c.after ?? c.before)?.name ?? '';

/** The values that say who a credential or quota change is about: before for a removal, after otherwise. */
export const subjectValues = <V>(c: { operation: string; before?: V; after?: V }): V | undefined =>
  c.operation === 'remove' ? c.before : c.after;

function credentialItem(c: CredentialChange): ReviewItem | undefined {
  const v = subjectValues(c);
  const user = v?.username ?? '';
  const base = { kind: 'principal' as const, change: c.operation as ChangeKind, subject: user, address: c.address };
  const mech = `${v?.mechanism ?? ''} credential`;
  switch (c.operation) {
    case 'add':
      return { ...base, summary: `new ${mech}${v?.iterations ? `, ${String(v.iterations)} iterations` : ''}` };
    case 'remove':
      return { ...base, summary: `${mech} deleted: clients can no longer authenticate as ${user}` };
    case 'change': {
      if (isRevoked(c.after)) {
        return {
          ...base,
          summary: `${mech} revoked: its password becomes a random one nobody knows, so clients can no longer authenticate as ${user}; the credential itself stays (deleting one can lock every SCRAM user out on a broker restart)`,
        };
      }
      const [vb, va] = [c.before?.passwordVersion ?? '', c.after?.passwordVersion ?? ''];
      return { ...base, summary: vb !== va ? `password rotated (version ${vb} → ${va})` : `${mech} updated` };
    }
    case 'replace':
      return { ...base, summary: `${mech} deleted and re-created` };
    case 'forget':
      return { ...base, summary: 'no longer managed by terraform' };
  }
  return undefined;
}

/** `acme.app`, or `default user` for a default quota. */
export function quotaEntity(c: QuotaChange): string {
  const v = subjectValues(c);
  return (v?.entityName ?? '') || `default ${v?.entityType ?? ''}`;
}

function quotaItem(c: QuotaChange): ReviewItem | undefined {
  const base = {
    kind: 'quota' as const,
    change: c.operation as ChangeKind,
    subject: quotaEntity(c),
    address: c.address,
  };
  switch (c.operation) {
    case 'add':
      return { ...base, summary: quotaSummary(c.after) };
    case 'remove':
      return { ...base, summary: `quota removed (was ${quotaSummary(c.before)})` };
    case 'replace':
    case 'change':
      return { ...base, summary: quotaDiff(c.before, c.after) };
    case 'forget':
      return { ...base, summary: 'no longer managed by terraform' };
  }
  return undefined;
}

function aclItem(c: AclChange): ReviewItem | undefined {
  const acl = subjectValues(c);
  if (!acl) return undefined;
  return {
    kind: 'acl',
    change: c.operation as ChangeKind,
    subject: userOf(acl.principal),
    summary: describeAcl(acl),
    address: c.address,
  };
}
