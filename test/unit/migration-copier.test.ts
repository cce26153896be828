/** The pure parts of the shared → topic-per-tenant copier (src/migration/copier.ts) and its check (copy-check.ts). */
import { type IHeaders, type KafkaMessage, type PartitionerArgs, Partitioners } from 'kafkajs';
import {
  type CopyRoute,
  classifyRecord,
  copiedMessage,
  migrationId,
  routeProblems,
  targetPartitionFor,
} from '../../src/migration/copier';
import {
  type PartitionRecords,
  type ReadRecord,
  compareCopies,
  multisetDifference,
  recordFingerprint,
} from '../../src/migration/copy-check';

const route: CopyRoute = { source: 'shared.orders.placed', target: 'acme.orders.placed', targetPartitions: 4 };
const h = (tenant: string, extra: IHeaders = {}): IHeaders => ({
  'tenant-id': Buffer.from(tenant),
  'event-type': Buffer.from('order.placed'),
  ...extra,
});

describe('classifyRecord', () => {
  it('copies a record whose key prefix and single tenant-id header both name the tenant', () => {
    expect(classifyRecord('acme', Buffer.from('acme:o-1'), h('acme'))).toEqual({ kind: 'copy' });
  });

  it('skips a record of another tenant', () => {
    expect(classifyRecord('acme', Buffer.from('globex:o-1'), h('globex'))).toEqual({
      kind: 'other-tenant',
      tenantId: 'globex',
    });
    // a look-alike tenant id is another tenant, not a prefix match
    expect(classifyRecord('acme', Buffer.from('acme-eu:o-1'), h('acme-eu')).kind).toBe('other-tenant');
  });

  it.each<[string, Buffer | null, IHeaders, string]>([
    ['key of acme, header of globex', Buffer.from('acme:o-1'), h('globex'), 'header_key_mismatch'],
    ['key of globex, header of acme', Buffer.from('globex:o-1'), h('acme'), 'header_key_mismatch'],
    ['no tenant-id header', Buffer.from('acme:o-1'), { 'event-type': 'x' }, 'tenant_header_missing'],
    [
      'a repeated tenant-id header',
      Buffer.from('acme:o-1'),
      { 'tenant-id': ['acme', 'acme'] },
      'tenant_header_repeated',
    ],
    ['a key without tenant prefix', Buffer.from('o-1'), h('acme'), 'malformed_key'],
    ['no key', null, h('acme'), 'malformed_key'],
    [
      'a provenance header already set',
      Buffer.from('acme:o-1'),
      h('acme', { 'kt-origin-topic': 'x' }),
      'origin_header_present',
    ],
  ])('counts as suspicious: %s', (_, key, headers, reason) => {
    const c = classifyRecord('acme', key, headers);
    expect(c).toMatchObject({ kind: 'suspicious', reason });
  });

  it('reports whom a suspicious record claimed, never its aggregate id', () => {
    const c = classifyRecord('acme', Buffer.from('acme:customer-jane'), h('globex'));
    expect(c).toEqual({ kind: 'suspicious', reason: 'header_key_mismatch', headerTenant: 'globex', keyTenant: 'acme' });
    expect(JSON.stringify(c)).not.toContain('jane');
  });
});

describe('targetPartitionFor', () => {
  it("places a key where the SDK producer (kafkajs' default partitioner) places it on a topic-per-tenant topic", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 4, 7]) {
      const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0 }));
      for (let i = 0; i < 200; i++) {
        const key = `acme:order-${i}`;
        const args = { topic: 'acme.orders.placed', partitionMetadata, message: { key, value: 'v' } };
        expect(targetPartitionFor(Buffer.from(key), n)).toBe(partitioner(args as unknown as PartitionerArgs));
      }
    }
  });
});

describe('copiedMessage', () => {
  it('keeps key, value, headers and timestamp byte for byte and adds the provenance headers', () => {
    const value = Buffer.from([0, 1, 2, 255]);
    const headers = h('acme', { 'enc-v': Buffer.from('1'), 'enc-kek': Buffer.from('acme/v1') });
    const m: KafkaMessage = {
      key: Buffer.from('acme:o-1'),
      value,
      headers,
      offset: '42',
      timestamp: '1700000000000',
      attributes: 0,
    };
    const out = copiedMessage(route, 5, m);
    expect(out.key).toBe(m.key);
    expect(out.value).toBe(value);
    expect(out.timestamp).toBe('1700000000000');
    expect(out.partition).toBe(targetPartitionFor(m.key!, 4));
    expect(out.headers).toEqual({
      ...headers,
      'kt-origin-topic': 'shared.orders.placed',
      'kt-origin-offset': '5/42',
    });
  });
});

describe('routeProblems', () => {
  it('accepts shared sources into the tenant’s own topics', () => {
    expect(routeProblems('acme', [route])).toEqual([]);
  });

  it('lists every problem at once', () => {
    const problems = routeProblems('acme', [
      { source: 'globex.orders', target: 'acme.orders', targetPartitions: 1 },
      { source: 'shared.a', target: 'acme-eu.a', targetPartitions: 0 },
      { source: 'shared.a', target: 'acme.a', targetPartitions: 1 },
    ]);
    expect(problems.map((p) => `${p.path}: ${p.code}`)).toEqual([
      'routes[0].source: invalid',
      'routes[1].target: invalid',
      'routes[1].targetPartitions: too_small',
      'routes[2].source: duplicate',
    ]);
  });

  it('names the copier group and transactional id after the tenant', () => {
    expect(migrationId('acme')).toBe('platform.migration.acme');
  });
});

describe('compareCopies', () => {
  let offset = 0;
  const rec = (tenant: string, agg: string, n: number, headerTenant = tenant): ReadRecord => ({
    key: Buffer.from(`${tenant}:${agg}`),
    value: Buffer.from(`${agg}#${n}`),
    headers: h(headerTenant),
    offset: String(offset++),
  });
  /** The source: acme's and globex's records over two partitions, a forged one, keys in one partition each. */
  const source = (): PartitionRecords[] => [
    {
      topic: route.source,
      partition: 0,
      records: [rec('acme', 'a', 0), rec('globex', 'g', 0), rec('acme', 'b', 0), rec('acme', 'a', 1)],
    },
    {
      topic: route.source,
      partition: 1,
      records: [rec('acme', 'c', 0), rec('acme', 'forged', 0, 'globex'), rec('acme', 'c', 1), rec('acme', 'd', 0)],
    },
  ];
  /** What a faithful copier writes, records of different keys interleaved in `order`. */
  const faithful = (src: PartitionRecords[], order: 'source' | 'reversed-keys' = 'source'): PartitionRecords[] => {
    const byPartition = new Map<number, ReadRecord[]>();
    for (const p of src) {
      for (const r of p.records) {
        if (classifyRecord('acme', r.key, r.headers).kind !== 'copy') continue;
        const t = targetPartitionFor(r.key!, route.targetPartitions);
        const copy = {
          ...r,
          headers: { ...r.headers, 'kt-origin-topic': route.source, 'kt-origin-offset': `${p.partition}/${r.offset}` },
        };
        byPartition.set(t, [...(byPartition.get(t) ?? []), copy]);
      }
    }
    return Array.from({ length: route.targetPartitions }, (_, partition) => {
      let records = byPartition.get(partition) ?? [];
      if (order === 'reversed-keys') {
        // another interleaving of keys, each key's own order kept
        const keys = [...new Set(records.map((r) => r.key!.toString()))].reverse();
        records = keys.flatMap((k) => records.filter((r) => r.key!.toString() === k));
      }
      return { topic: route.target, partition, records };
    });
  };

  it('accepts a faithful copy, whatever the interleaving of keys', () => {
    const src = source();
    for (const order of ['source', 'reversed-keys'] as const) {
      const result = compareCopies('acme', [route], src, faithful(src, order));
      expect(result.mismatches).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.partitions.reduce((n, p) => n + p.actualCount, 0)).toBe(6);
    }
  });

  it('negative control: reports a duplicate as an unexpected record, a count and a digest difference', () => {
    const src = source();
    const targets = faithful(src);
    const p = targets.find((t) => t.records.length > 0)!;
    (p.records as ReadRecord[]).push(p.records[0]!);
    const result = compareCopies('acme', [route], src, targets);
    expect(result.ok).toBe(false);
    expect(result.mismatches.map((m) => m.kind).sort()).toEqual(['count', 'digest', 'unexpected']);
    expect(result.mismatches.every((m) => m.partition === p.partition)).toBe(true);
  });

  it('reports a missing record', () => {
    const src = source();
    const targets = faithful(src);
    const p = targets.find((t) => t.records.length > 0)!;
    (p.records as ReadRecord[]).pop();
    const kinds = compareCopies('acme', [route], src, targets).mismatches.map((m) => m.kind);
    expect(kinds).toContain('missing');
  });

  it("reports a key's records in another order", () => {
    const src = source();
    const targets = faithful(src);
    const a = targetPartitionFor(Buffer.from('acme:a'), route.targetPartitions);
    const records = targets[a]!.records as ReadRecord[];
    const [i, j] = records.flatMap((r, k) => (r.key!.toString() === 'acme:a' ? [k] : []));
    [records[i!], records[j!]] = [records[j!]!, records[i!]!];
    const result = compareCopies('acme', [route], src, targets);
    expect(result.mismatches.map((m) => m.kind).sort()).toEqual(['digest', 'order']);
  });

  it('reports records of another tenant, in the wrong partition, or without a declared origin', () => {
    const src = source();
    const targets = faithful(src);
    const stray = rec('globex', 'g', 0);
    const acmeRecord = targets.flatMap((t) => t.records)[0]!;
    const wrong = (targetPartitionFor(acmeRecord.key!, route.targetPartitions) + 1) % route.targetPartitions;
    (targets[0]!.records as ReadRecord[]).push({
      ...stray,
      headers: { ...stray.headers, 'kt-origin-topic': route.source },
    });
    (targets[wrong]!.records as ReadRecord[]).push(acmeRecord);
    const noOrigin = { ...acmeRecord, headers: { ...acmeRecord.headers, 'kt-origin-topic': 'shared.other' } };
    (targets[targetPartitionFor(acmeRecord.key!, route.targetPartitions)]!.records as ReadRecord[]).push(noOrigin);
    const kinds = new Set(compareCopies('acme', [route], src, targets).mismatches.map((m) => m.kind));
    expect(kinds).toEqual(new Set(['foreign', 'misplaced', 'undeclared-origin', 'unexpected', 'count', 'digest']));
  });

  it('names keys by hash in mismatches, never by the key', () => {
    const src = source();
    const targets = faithful(src);
    (targets.find((t) => t.records.length > 0)!.records as ReadRecord[]).pop();
    const text = JSON.stringify(compareCopies('acme', [route], src, targets).mismatches);
    expect(text).not.toMatch(/acme:[a-d]/);
  });
});

describe('recordFingerprint and multisetDifference', () => {
  it('ignores provenance headers and header order, not header values', () => {
    const base = { key: Buffer.from('acme:a'), value: Buffer.from('v'), headers: h('acme') };
    const reordered = {
      ...base,
      headers: { 'event-type': Buffer.from('order.placed'), 'tenant-id': Buffer.from('acme') },
    };
    const withOrigin = { ...base, headers: { ...base.headers, 'kt-origin-topic': 'x', 'kt-origin-offset': '0/1' } };
    expect(recordFingerprint(reordered)).toBe(recordFingerprint(base));
    expect(recordFingerprint(withOrigin)).toBe(recordFingerprint(base));
    expect(recordFingerprint({ ...base, headers: h('acmf') })).not.toBe(recordFingerprint(base));
    expect(recordFingerprint({ ...base, value: null })).not.toBe(
      recordFingerprint({ ...base, value: Buffer.alloc(0) }),
    );
  });

  it('counts missing and unexpected elements with multiplicity', () => {
    expect(multisetDifference(['a', 'b', 'b'], ['b', 'a', 'c', 'c'])).toEqual({ missing: 1, unexpected: 2 });
  });
});
