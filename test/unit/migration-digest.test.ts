/** Digests and their comparison (src/migration/digest.ts): the proof of a complete, exact copy. */
import { compareDigests, recordEncoding, type TopicDigest } from '../../src/migration/digest';

const p = (partition: number, count: number, sha256: string) => ({
  partition,
  count,
  sha256,
  firstOffset: 0,
  endOffset: count,
});

describe('recordEncoding', () => {
  it('tells null from empty, key from value, and header boundaries apart', () => {
    const e = (k: Buffer | null, v: Buffer | null, h = {}) => recordEncoding(k, v, h).toString('hex');
    expect(e(null, Buffer.from(''))).not.toBe(e(Buffer.from(''), Buffer.from('')));
    expect(e(Buffer.from('ab'), Buffer.from('c'))).not.toBe(e(Buffer.from('a'), Buffer.from('bc')));
    expect(e(null, null, { a: 'bc' })).not.toBe(e(null, null, { ab: 'c' }));
    expect(e(null, null, { a: ['1', '2'] })).not.toBe(e(null, null, { a: ['2', '1'] }));
    expect(e(null, null, { a: Buffer.from('x') })).toBe(e(null, null, { a: 'x' }));
  });
});

describe('compareDigests', () => {
  const source: TopicDigest[] = [
    { topic: 'acme.orders', partitions: [p(0, 10, 'aa'), p(1, 5, 'bb')] },
    { topic: 'acme.events', partitions: [p(0, 3, 'cc')] },
  ];

  it('finds nothing when every partition has the same count and hash', () => {
    expect(compareDigests(source, structuredClone(source))).toEqual([]);
  });

  it('reports an extra record, a missing record and changed contents, per partition', () => {
    const target: TopicDigest[] = [
      { topic: 'acme.orders', partitions: [p(0, 11, 'xx'), p(1, 5, 'b2')] },
      { topic: 'acme.events', partitions: [p(0, 2, 'c2')] },
    ];
    expect(compareDigests(source, target).map((m) => [m.topic, m.partition, m.problem, m.message])).toEqual([
      ['acme.events', 0, 'count', 'acme.events[0]: source has 3 records, target 2 (1 missing)'],
      ['acme.orders', 0, 'count', 'acme.orders[0]: source has 10 records, target 11 (1 extra)'],
      ['acme.orders', 1, 'content', expect.stringMatching(/same count \(5\), different contents/)],
    ]);
  });

  it('reports a missing topic, a missing partition and a partition on the target only', () => {
    const target: TopicDigest[] = [{ topic: 'acme.orders', partitions: [p(0, 10, 'aa'), p(2, 0, 'ee')] }];
    expect(compareDigests(source, target).map((m) => `${m.problem} ${m.topic}${m.partition ?? ''}`)).toEqual([
      'topic-missing acme.events',
      'partition-missing acme.orders1',
      'partition-extra acme.orders2',
    ]);
  });
});
