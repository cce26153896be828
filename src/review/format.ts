/** Plan values in a reviewer's words: durations, rates, topic and quota summaries and diffs, causes. */
import { type QuotaValues, type TopicChange, type TopicValues, num, str } from './changes';
import type { StackContext } from './context';

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

/** `acme.app` for `User:acme.app`. */
export const userOf = (principal: string) => principal.replace(/^User:/, '');

const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'];

export function quotaSummary(v: QuotaValues | undefined): string {
  const c = v?.config ?? {};
  const parts: string[] = [];
  if (c.producer_byte_rate !== undefined) parts.push(`produce ${formatRate(num(c.producer_byte_rate))}`);
  if (c.consumer_byte_rate !== undefined) parts.push(`fetch ${formatRate(num(c.consumer_byte_rate))}`);
  if (c.request_percentage !== undefined) parts.push(`${str(c.request_percentage)} % request time`);
  for (const [k, val] of Object.entries(c)) {
    if (!QUOTA_KEYS.includes(k)) parts.push(`${k} ${str(val)}`);
  }
  return parts.join(', ') || 'no limits';
}

export function quotaDiff(before: QuotaValues | undefined, after: QuotaValues | undefined): string {
  const b = before?.config ?? {};
  const a = after?.config ?? {};
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

export function topicSummary(v: TopicValues | undefined): string {
  const c = v?.config ?? {};
  const parts = [`${str(v?.partitions)} partitions`, `replication factor ${str(v?.replicationFactor)}`];
  if (c['retention.ms'] !== undefined) parts.push(`retention ${formatDuration(num(c['retention.ms']))}`);
  if (c['cleanup.policy'] !== undefined && c['cleanup.policy'] !== 'delete')
    parts.push(`cleanup ${str(c['cleanup.policy'])}`);
  return parts.join(', ');
}

export function topicDiff(before: TopicValues | undefined, after: TopicValues | undefined): string[] {
  const out: string[] = [];
  if (before && after) {
    if (before.name !== after.name) out.push(`name ${before.name} → ${after.name}`);
    if (str(before.partitions) !== str(after.partitions))
      out.push(`partitions ${str(before.partitions)} → ${str(after.partitions)}`);
    if (str(before.replicationFactor) !== str(after.replicationFactor)) {
      out.push(`replication factor ${str(before.replicationFactor)} → ${str(after.replicationFactor)}`);
    }
    const b = before.config;
    const a = after.config;
    for (const k of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      if (str(b[k]) === str(a[k])) continue;
      const fmt = (v: unknown) => (v === undefined ? 'unset' : k === 'retention.ms' ? formatDuration(num(v)) : str(v));
      out.push(`${k} ${fmt(b[k])} → ${fmt(a[k])}`);
    }
  }
  return out;
}

/** Why a removed topic is gone: the file no longer declares it (renamed?), or the tenant leaves. */
export function removalCause(ctx: StackContext | undefined, createdTopics: readonly string[]): string {
  if (!ctx) return 'the tenant file was removed';
  if (ctx.lifecycle === 'decommissioning' && ctx.deleteData) return 'tenant decommissioned with data deletion';
  if (createdTopics.length > 0) {
    return `no longer declared in ${ctx.file}; renamed to ${createdTopics.join(', ')}? the provider cannot rename a topic`;
  }
  return `no longer declared in ${ctx.file}`;
}

/** Why Terraform replaces a topic: the attributes it cannot change in place. */
export function replaceCause(c: TopicChange): string {
  const name = (v: TopicValues | undefined) => v?.name ?? '';
  const paths = c.replacePaths;
  const causes: string[] = [];
  const attrs = paths.length ? paths : ['partitions', 'name', 'replication_factor'];
  for (const attr of [...new Set(attrs)]) {
    const [pb, pa] = [c.before?.partitions, c.after?.partitions];
    const [rb, ra] = [c.before?.replicationFactor, c.after?.replicationFactor];
    if (attr === 'partitions' && num(pa) !== undefined && num(pb)! > num(pa)!) {
      causes.push(`partition decrease ${str(pb)} → ${str(pa)}`);
    } else if (attr === 'name' && name(c.before) !== name(c.after)) {
      causes.push(`rename ${name(c.before)} → ${name(c.after)}`);
    } else if (attr === 'replication_factor' && str(rb) !== str(ra)) {
      causes.push(`replication factor change ${str(rb)} → ${str(ra)} the cluster cannot apply in place`);
    } else if (paths.length) {
      causes.push(`${attr} cannot be changed in place`);
    }
  }
  return causes.join(', ') || 'the provider cannot update it in place';
}
