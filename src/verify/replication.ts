/**
 * Is every partition of a topic fully replicated? Pure: from the partition states of a metadata answer (leader,
 * replicas, in-sync replicas, offline replicas) and the topic's declared replication factor and
 * `min.insync.replicas`, one finding per partition that is not, naming the partition and the brokers concerned and
 * saying what it means for producers with `acks=all`. `conformance.replication:<topic>` turns them into its outcome.
 */

/** One partition as a metadata answer describes it (broker ids; `leader` -1 when it has none). */
export interface PartitionReplicas {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offline: readonly number[];
}

export interface ReplicationDeclaration {
  readonly topic: string;
  readonly replicationFactor: number;
  /** The declared `min.insync.replicas`; undefined when the model declares none (the broker default applies). */
  readonly minInsyncReplicas?: number;
}

export interface ReplicationFinding {
  readonly partition: number;
  /** `offline`: no leader; `below-min-isr`: acks=all producers are refused; `under-replicated`: still writable. */
  readonly kind: 'offline' | 'below-min-isr' | 'under-replicated' | 'replica-count';
  /** The brokers the finding is about (out of sync, offline, or all replicas for a wrong count). */
  readonly brokers: readonly number[];
  readonly message: string;
}

const list = (ids: readonly number[]) => `[${ids.join(', ')}]`;
const brokersWord = (ids: readonly number[]) => `broker${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;

/** Every problem with the replication of one topic's partitions, sorted by partition; empty when fully replicated. */
export function replicationFindings(
  decl: ReplicationDeclaration,
  partitions: readonly PartitionReplicas[],
): ReplicationFinding[] {
  const out: ReplicationFinding[] = [];
  const at = (p: PartitionReplicas) => `${decl.topic} partition ${p.partition}`;
  for (const p of [...partitions].sort((a, b) => a.partition - b.partition)) {
    const outOfSync = p.replicas.filter((b) => !p.isr.includes(b));
    const offline = p.offline.length ? `, offline on ${brokersWord(p.offline)}` : '';
    const state = `in sync ${list(p.isr)} of replicas ${list(p.replicas)}${offline}`;
    if (p.replicas.length !== decl.replicationFactor) {
      out.push({
        partition: p.partition,
        kind: 'replica-count',
        brokers: p.replicas,
        message: `${at(p)}: ${p.replicas.length} replica(s) ${list(p.replicas)}, declared replication factor ${decl.replicationFactor}`,
      });
    }
    if (p.leader < 0) {
      out.push({
        partition: p.partition,
        kind: 'offline',
        brokers: outOfSync.length ? outOfSync : p.replicas,
        message: `${at(p)}: no leader (${state}): offline, nothing can be produced to or consumed from it until one of ${brokersWord(p.replicas)} is back`,
      });
      continue;
    }
    if (outOfSync.length === 0) continue;
    const min = decl.minInsyncReplicas;
    if (min !== undefined && p.isr.length < min) {
      out.push({
        partition: p.partition,
        kind: 'below-min-isr',
        brokers: outOfSync,
        message: `${at(p)}: ${brokersWord(outOfSync)} out of sync (${state}): ${p.isr.length} in sync is below min.insync.replicas ${min}, so producers with acks=all are refused (NOT_ENOUGH_REPLICAS) until ${outOfSync.length === 1 ? 'it catches' : 'they catch'} up`,
      });
    } else {
      out.push({
        partition: p.partition,
        kind: 'under-replicated',
        brokers: outOfSync,
        message:
          `${at(p)}: ${brokersWord(outOfSync)} out of sync (${state}): under-replicated` +
          (min !== undefined
            ? `; ${p.isr.length} in sync still meets min.insync.replicas ${min}, so acks=all producers go on, but ${p.isr.length - min + 1} more failure(s) would stop them`
            : ''),
      });
    }
  }
  return out;
}

/** One line over a topic's findings: how many partitions, of which kinds, which brokers. */
export function replicationSummary(findings: readonly ReplicationFinding[], partitions: number): string {
  const affected = new Set(findings.map((f) => f.partition)).size;
  const kinds = [...new Set(findings.map((f) => f.kind))].sort();
  const brokers = [...new Set(findings.flatMap((f) => f.brokers))].sort((a, b) => a - b);
  return `${affected} of ${partitions} partition(s) not fully replicated (${kinds.join(', ')}; ${brokersWord(brokers)})`;
}
