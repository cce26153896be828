import { type PartitionReplicas, replicationFindings, replicationSummary } from '../../../src/verify/replication';

const decl = { topic: 'shared.orders.placed', replicationFactor: 3, minInsyncReplicas: 2 };
const partition = (p: number, isr: number[], extra: Partial<PartitionReplicas> = {}): PartitionReplicas => ({
  partition: p,
  leader: isr[0] ?? -1,
  replicas: [1, 2, 3],
  isr,
  offline: [],
  ...extra,
});

describe('replicationFindings', () => {
  it('finds nothing when every partition has its replicas, a leader and all of them in sync', () => {
    expect(replicationFindings(decl, [partition(0, [1, 2, 3]), partition(1, [2, 3, 1])])).toEqual([]);
  });

  it('names the partition and the out-of-sync broker of an under-replicated partition still at min ISR', () => {
    const [f, ...rest] = replicationFindings(decl, [partition(0, [1, 2, 3]), partition(1, [1, 2])]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ partition: 1, kind: 'under-replicated', brokers: [3] });
    expect(f!.message).toBe(
      'shared.orders.placed partition 1: broker 3 out of sync (in sync [1, 2] of replicas [1, 2, 3]): under-replicated; ' +
        '2 in sync still meets min.insync.replicas 2, so acks=all producers go on, but 1 more failure(s) would stop them',
    );
  });

  it('says acks=all producers are refused when a partition is below min.insync.replicas', () => {
    const [f] = replicationFindings(decl, [partition(2, [1], { offline: [2, 3] })]);
    expect(f).toMatchObject({ partition: 2, kind: 'below-min-isr', brokers: [2, 3] });
    expect(f!.message).toContain('brokers 2, 3 out of sync');
    expect(f!.message).toContain('offline on brokers 2, 3');
    expect(f!.message).toContain('below min.insync.replicas 2');
    expect(f!.message).toContain('NOT_ENOUGH_REPLICAS');
  });

  it('reports a partition without a leader as offline, not as under-replicated', () => {
    const findings = replicationFindings(decl, [partition(0, [], { leader: -1 })]);
    expect(findings.map((f) => f.kind)).toEqual(['offline']);
    expect(findings[0]!.message).toContain('shared.orders.placed partition 0: no leader');
  });

  it('reports a partition with fewer replicas than declared, even when they are all in sync', () => {
    const findings = replicationFindings(decl, [partition(0, [1, 2], { replicas: [1, 2] })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'replica-count', brokers: [1, 2] });
    expect(findings[0]!.message).toContain('2 replica(s) [1, 2], declared replication factor 3');
  });

  it('without a declared min.insync.replicas, calls a lagging partition under-replicated without promising anything', () => {
    const [f] = replicationFindings({ topic: 't', replicationFactor: 3 }, [partition(0, [1])]);
    expect(f).toMatchObject({ kind: 'under-replicated', brokers: [2, 3] });
    expect(f!.message).not.toContain('acks=all');
  });

  it('sorts the findings by partition and summarises partitions, kinds and brokers', () => {
    const findings = replicationFindings(decl, [partition(4, [1]), partition(1, [1, 3]), partition(0, [1, 2, 3])]);
    expect(findings.map((f) => f.partition)).toEqual([1, 4]);
    expect(replicationSummary(findings, 6)).toBe(
      '2 of 6 partition(s) not fully replicated (below-min-isr, under-replicated; brokers 2, 3)',
    );
  });
});
