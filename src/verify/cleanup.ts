/**
 * After a run: delete the consumer groups it created. Every group a check joins or commits to carries the run's
 * mark in its id (`<prefix>kafka-tenancy-verify-<run>[-…]`); the consumers leave when their check ends, which leaves
 * each group empty but not gone (Kafka keeps an empty group's metadata until `offsets.retention.minutes`). So the run
 * lists the groups of each cluster as the admin and deletes its own, under one deadline; what fails becomes a note,
 * never an error of the run.
 */
import type { Admin } from 'kafkajs';
import { withDeadline } from '../kafka/deadline';
import { VERIFY_MARK } from './context';

/** Listing and deleting on one cluster: two admin requests and a coordinator lookup per group. */
export const CLEANUP_DEADLINE_MS = 10_000;

/**
 * The ids among `groupIds` that run `runId` created: the mark and the run id as a whole word (so run `ab12` never
 * claims the groups of run `ab123`), anywhere after the owner's prefix. Sorted.
 */
export function runGroups(groupIds: readonly string[], runId: string): string[] {
  const mark = `${VERIFY_MARK}-${runId}`;
  return groupIds
    .filter((g) => {
      const at = g.indexOf(mark);
      if (at < 0) return false;
      const before = at === 0 ? '.' : g[at - 1];
      const after = g[at + mark.length];
      return before === '.' && (after === undefined || after === '-');
    })
    .sort();
}

export interface ClusterCleanup {
  readonly cluster: string;
  readonly deleted: readonly string[];
  /** Why some or all of the run's groups are still there (with their ids), if they are. */
  readonly problem?: string;
}

const LEFT_BEHIND =
  'they are empty and hold no offsets; delete them as the admin (`kafka-consumer-groups.sh --delete --group <id>`) or let Kafka expire them (offsets.retention.minutes)';

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

/** Delete the run's groups on one cluster, as the cluster admin. Never throws. */
export async function deleteRunGroups(
  cluster: string,
  admin: () => Promise<Pick<Admin, 'listGroups' | 'deleteGroups'>>,
  runId: string,
  deadlineMs = CLEANUP_DEADLINE_MS,
): Promise<ClusterCleanup> {
  let ours: string[] = [];
  try {
    return await withDeadline(
      (async () => {
        const a = await admin();
        ours = runGroups(
          (await a.listGroups()).groups.map((g) => g.groupId),
          runId,
        );
        if (ours.length === 0) return { cluster, deleted: [] };
        try {
          await a.deleteGroups(ours);
          return { cluster, deleted: ours };
        } catch (e) {
          // KafkaJSDeleteGroupsError lists the groups that failed (e.g. NON_EMPTY_GROUP: a member has not left yet).
          const failed = ((e as { groups?: Array<{ groupId: string; error?: { type?: string } }> }).groups ?? []).map(
            (g) => `${g.groupId} (${g.error?.type ?? 'error'})`,
          );
          if (failed.length === 0) throw e;
          const left = new Set(failed.map((f) => f.split(' ')[0]));
          return {
            cluster,
            deleted: ours.filter((g) => !left.has(g)),
            problem: `${failed.length} of the run's ${ours.length} consumer group(s) on ${cluster} could not be deleted: ${failed.join(', ')}; ${LEFT_BEHIND}`,
          };
        }
      })(),
      deadlineMs,
      `deleting the run's consumer groups on ${cluster}`,
    );
  } catch (e) {
    const which = ours.length ? `: ${ours.join(', ')}` : '';
    return {
      cluster,
      deleted: [],
      problem: `the run's consumer groups on ${cluster} were not deleted (${firstLine(e)})${which}; ${LEFT_BEHIND}`,
    };
  }
}

/** Report notes for the cleanup of every cluster: one line for what was deleted, one per cluster with a problem. */
export function cleanupNotes(results: readonly ClusterCleanup[]): string[] {
  const deleted = results.filter((r) => r.deleted.length > 0);
  const total = deleted.reduce((n, r) => n + r.deleted.length, 0);
  const problems = results.flatMap((r) => (r.problem ? [r.problem] : []));
  return [
    ...(total > 0
      ? [
          `deleted the run's ${total} consumer group(s): ${deleted.map((r) => `${r.cluster} ${r.deleted.length}`).join(', ')}`,
        ]
      : []),
    ...problems,
  ];
}
