/**
 * Partition placement on shared topics. A tenant with dedicated partitions writes only to them; every other
 * tenant writes only to the partitions not dedicated to anyone. Within its set a record goes to
 * `set[murmur2(key) mod |set|]` with Kafka's murmur2, so placement is deterministic by key (per-aggregate order
 * is kept) and a Java producer implementing the same rule would agree.
 *
 * Topics that are not in the partition map (a tenant's own topics) keep kafkajs' default partitioning.
 */
import { type ICustomPartitioner, Partitioners, type PartitionerArgs } from 'kafkajs';
import { PartitionAssignmentError, TenantMismatchError } from './errors';
import { HEADERS, keyTenantPrefix, singleHeader, tryParseRecordKey } from './keys';
import type { PartitionMapIndex } from './partition-map';

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2), as a signed 32-bit integer. */
export function murmur2(data: Buffer | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const m = 0x5bd1e995;
  const length = bytes.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = bytes[i4] | (bytes[i4 + 1] << 8) | (bytes[i4 + 2] << 16) | (bytes[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= bytes[tail + 2] << 16;
  if (rest >= 2) h ^= bytes[tail + 1] << 8;
  if (rest >= 1) {
    h ^= bytes[tail];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Same as Kafka's `Utils.toPositive`. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** Pick the partition of a record key among `candidates` (sorted); deterministic by key. */
export function pickPartition(candidates: readonly number[], key: Buffer | string): number {
  if (candidates.length === 0) throw new PartitionAssignmentError('no candidate partitions');
  return candidates[toPositive(murmur2(key)) % candidates.length];
}

/**
 * The partition of a record of `tenantId` with record key `key` on a topic of the partition map. Throws
 * PartitionAssignmentError when the topic is not in the map or the tenant has nowhere to write.
 */
export function partitionForRecord(
  map: PartitionMapIndex,
  topic: string,
  tenantId: string,
  key: Buffer | string,
): number {
  return pickPartition(map.partitionsFor(topic, tenantId), key);
}

/**
 * A kafkajs `createPartitioner` that enforces the partition map:
 * `kafka.producer({ createPartitioner: createTenantPartitioner(map) })`.
 *
 * For topics in the map it reads the tenant from the key prefix (a keyless record, or one whose `tenant-id`
 * header disagrees with the key, is refused), honours an explicit `partition` only if it is one the tenant may
 * write to, and refuses to place records when the cluster reports fewer partitions than the map (the map is
 * ahead of the cluster: apply first).
 */
export function createTenantPartitioner(map: PartitionMapIndex): ICustomPartitioner {
  return () => {
    const fallback = Partitioners.DefaultPartitioner();
    // kafkajs hands every message of a topic in one send the same `partitionMetadata` array: the partition ids it
    // holds and whether a candidate set is covered are worked out once per array, not once per message.
    const checked = new WeakMap<
      PartitionerArgs['partitionMetadata'],
      { size: number; ids: Set<number>; covered: Set<unknown> }
    >();
    return (args: PartitionerArgs): number => {
      const { topic, partitionMetadata, message } = args;
      if (!map.hasTopic(topic)) return fallback(args);
      const key = message.key ?? undefined;
      const parsed = tryParseRecordKey(key);
      if (!parsed) {
        throw new PartitionAssignmentError(
          `a record for shared topic "${topic}" needs the key "{tenantId}:{aggregateId}" to be placed`,
        );
      }
      const header = singleHeader(message.headers, HEADERS.tenantId);
      if (header !== undefined && header !== parsed.tenantId) {
        throw new TenantMismatchError(
          `record key is of tenant "${parsed.tenantId}" but its tenant-id header says otherwise; not sent`,
          { headerTenant: header, keyTenant: keyTenantPrefix(key), coordinates: { topic } },
        );
      }
      const candidates = map.partitionsFor(topic, parsed.tenantId);
      let seen = checked.get(partitionMetadata);
      if (!seen || seen.size !== partitionMetadata.length) {
        const ids = new Set(partitionMetadata.map((p) => p.partitionId));
        seen = { size: partitionMetadata.length, ids, covered: new Set() };
        checked.set(partitionMetadata, seen);
      }
      if (!seen.covered.has(candidates)) {
        const known = seen.ids;
        if (candidates.some((p) => !known.has(p))) {
          throw new PartitionAssignmentError(
            `partition map puts tenant "${parsed.tenantId}" on partitions [${candidates.join(', ')}] of "${topic}" ` +
              `but the cluster reports only ${known.size} partition(s); apply the platform stack first`,
          );
        }
        // `partitionsFor` returns the same frozen array for a topic and tenant every time.
        seen.covered.add(candidates);
      }
      if (message.partition !== undefined && message.partition !== null) {
        if (!candidates.includes(message.partition)) {
          throw new PartitionAssignmentError(
            `partition ${message.partition} of "${topic}" is not one tenant "${parsed.tenantId}" may write to ` +
              `([${candidates.join(', ')}])`,
          );
        }
        return message.partition;
      }
      return pickPartition(candidates, key!);
    };
  };
}
