import fc from 'fast-check';
import type { PartitionMetadata, PartitionerArgs } from 'kafkajs';
import {
  PartitionAssignmentError,
  PartitionMapIndex,
  TenantMismatchError,
  createTenantPartitioner,
  murmur2,
  partitionForRecord,
} from '../../../src/sdk';

// kafkajs' own (Java-compatible) murmur2, to check ours against.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;

const TOPIC = 'shared.orders.placed';
const tenantId = fc.stringMatching(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/);
const aggregateId = fc.string({ minLength: 1, maxLength: 40 });

/** A random partition map for one topic: some tenants own disjoint non-empty sets, at least one partition stays shared. */
const topicLayout = fc
  .integer({ min: 2, max: 24 })
  .chain((partitions) =>
    fc.record({
      partitions: fc.constant(partitions),
      owners: fc.array(fc.option(fc.constantFrom('alpha', 'bravo', 'charlie'), { nil: undefined }), {
        minLength: partitions,
        maxLength: partitions,
      }),
    }),
  )
  .filter(({ owners }) => owners.some((o) => o === undefined))
  .map(({ partitions, owners }) => {
    const dedicated: Record<string, number[]> = {};
    owners.forEach((o, p) => {
      if (o) (dedicated[o] ??= []).push(p);
    });
    return new PartitionMapIndex({ version: 1, environment: 'test', topics: { [TOPIC]: { partitions, dedicated } } });
  });

function metadata(n: number): PartitionMetadata[] {
  return [...Array(n).keys()].map((partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));
}

describe('murmur2', () => {
  it("matches Kafka's test vectors", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it("agrees with kafkajs' implementation on arbitrary bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(murmur2(Buffer.from(bytes))).toBe(kafkajsMurmur2(Buffer.from(bytes)));
      }),
    );
  });
});

describe('tenant placement', () => {
  it("puts a dedicated tenant's records only on its own partitions (property)", () => {
    fc.assert(
      fc.property(topicLayout, tenantId, aggregateId, (index, tenant, aggregate) => {
        const own = index.dedicatedPartitions(TOPIC, tenant);
        const p = partitionForRecord(index, TOPIC, tenant, `${tenant}:${aggregate}`);
        if (own.length > 0) expect(own).toContain(p);
        else expect(index.sharedPartitions(TOPIC)).toContain(p);
      }),
    );
  });

  it("never puts anyone else's records on a dedicated partition (property)", () => {
    fc.assert(
      fc.property(
        topicLayout,
        fc.constantFrom('alpha', 'bravo', 'charlie', 'delta', 'echo'),
        aggregateId,
        (index, tenant, aggregate) => {
          const p = partitionForRecord(index, TOPIC, tenant, `${tenant}:${aggregate}`);
          for (const owner of index.dedicatedTenants(TOPIC)) {
            if (owner !== tenant) expect(index.dedicatedPartitions(TOPIC, owner)).not.toContain(p);
          }
        },
      ),
    );
  });

  it('is deterministic by key: the same key always lands on the same partition (property)', () => {
    fc.assert(
      fc.property(topicLayout, tenantId, aggregateId, (index, tenant, aggregate) => {
        const key = `${tenant}:${aggregate}`;
        expect(partitionForRecord(index, TOPIC, tenant, key)).toBe(
          partitionForRecord(index, TOPIC, tenant, Buffer.from(key)),
        );
      }),
    );
  });

  it("spreads a tenant's keys over all of its partitions", () => {
    const index = new PartitionMapIndex({
      version: 1,
      environment: 't',
      topics: { [TOPIC]: { partitions: 8, dedicated: { alpha: [1, 6, 7] } } },
    });
    const used = new Set(
      [...Array(300).keys()].map((i) => partitionForRecord(index, TOPIC, 'alpha', `alpha:order-${i}`)),
    );
    expect([...used].sort()).toEqual([1, 6, 7]);
  });
});

describe('createTenantPartitioner', () => {
  const index = new PartitionMapIndex({
    version: 1,
    environment: 't',
    topics: { [TOPIC]: { partitions: 6, dedicated: { alpha: [4, 5] } } },
  });
  const partition = createTenantPartitioner(index)();
  const args = (message: PartitionerArgs['message'], topic = TOPIC, n = 6): PartitionerArgs => ({
    topic,
    partitionMetadata: metadata(n),
    message,
  });

  it('places records like partitionForRecord', () => {
    for (let i = 0; i < 50; i++) {
      const key = `alpha:${i}`;
      expect(partition(args({ key, value: 'v' }))).toBe(partitionForRecord(index, TOPIC, 'alpha', key));
    }
  });

  it("keeps kafkajs' default partitioning for topics outside the map", () => {
    const p = partition(args({ key: 'anything', value: 'v' }, 'alpha.orders', 10));
    expect(p).toBe((murmur2('anything') & 0x7fffffff) % 10);
  });

  it('refuses records without a tenant key, or with a tenant-id header of another tenant', () => {
    expect(() => partition(args({ key: 'no-tenant', value: 'v' }))).toThrow(PartitionAssignmentError);
    expect(() => partition(args({ key: null, value: 'v' }))).toThrow(PartitionAssignmentError);
    expect(() => partition(args({ key: 'alpha:1', value: 'v', headers: { 'tenant-id': 'bravo' } }))).toThrow(
      TenantMismatchError,
    );
  });

  it('honours an explicit partition only if the tenant may write there', () => {
    expect(partition(args({ key: 'alpha:1', value: 'v', partition: 5 }))).toBe(5);
    expect(() => partition(args({ key: 'alpha:1', value: 'v', partition: 0 }))).toThrow(
      /not one tenant "alpha" may write to/,
    );
    expect(() => partition(args({ key: 'bravo:1', value: 'v', partition: 4 }))).toThrow(PartitionAssignmentError);
  });

  it('refuses to place records when the cluster has fewer partitions than the map', () => {
    expect(() => partition(args({ key: 'alpha:1', value: 'v' }, TOPIC, 4))).toThrow(/apply the platform stack first/);
  });
});
