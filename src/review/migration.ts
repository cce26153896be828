/**
 * A tier migration as one item of the review: where from, where to, the phase, and per cluster what this phase
 * creates, keeps and removes, plus what the last phase will remove. Computed from the model (the phase table of
 * model/migration.ts `placements`), so a reviewer sees the whole move, not only this plan's resource lines.
 */
import { placements } from '../model/migration';
import type { TenantModel } from '../model/types';

export interface MigrationContext {
  /** `topic-per-tenant on shared` */
  readonly from: string;
  /** `dedicated on dedicated-2` */
  readonly to: string;
  readonly state: string;
  readonly engine: string;
  readonly keepSourceData: boolean;
  /** The target cluster when it is another one than the stack's: resources under `migration-target` live there. */
  readonly targetCluster?: string;
  /** Topics deleted by this phase, with what in the file approves it. */
  readonly approvedDeletions: Readonly<Record<string, string>>;
  /** Lines for the reviewer, in order. */
  readonly lines: readonly string[];
}

const PHASES = ['copying', 'cutover', 'done'];
const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');

export function migrationContext(t: TenantModel): MigrationContext | undefined {
  const m = t.migration;
  if (!m) return undefined;
  const { home, away } = placements(t);
  const from = `${m.source.tier} on ${m.source.cluster}`;
  const to = `${t.tier} on ${t.cluster}`;
  const source = home;
  const target = away ?? home;
  const approval =
    m.state === 'aborted'
      ? `${t.file}: migration.state: aborted (the target holds copies only; the source is whole)`
      : `${t.file}: migration.keepSourceData: false at state done`;
  const deletions = [...home.deleteTopics, ...(away?.deleteTopics ?? [])];
  const phase = PHASES.includes(m.state) ? `${m.state} (${PHASES.indexOf(m.state) + 1}/3)` : m.state;
  const copied = m.topics.map((x) => (x.source === x.target ? x.source : `${x.source} → ${x.target}`));
  const lines = [
    `phase ${phase}; records move with ${m.engine === 'mirror-maker' ? 'MirrorMaker 2 (identity names)' : 'the shared-tier copier (key prefix = header = tenant, envelopes copied as they are)'}: ${list(copied)}`,
    m.state === 'aborted'
      ? `on ${target.cluster}: the copies are deleted (${list(deletions)}), credentials revoked: ${list(away?.revoked ?? [])}`
      : `on ${target.cluster}: topics ${list(target.topics.map((x) => x.name))}; ${
          m.state === 'done'
            ? 'the tenant works here now (its grants are on)'
            : `credentials and quotas for ${list(target.principals.map((p) => p.principal.username))}, no grants until done`
        }`,
    m.sameCluster
      ? `on ${source.cluster}: ${m.state === 'done' ? 'the shared-tier grants are gone; its records in the shared topics age out with their retention' : m.state === 'cutover' ? 'writes to the shared topics are refused; reads continue' : 'the tenant keeps writing the shared topics'}`
      : `on ${source.cluster}: ${
          m.state === 'done'
            ? `credentials revoked (${list(home.revoked)}), ACLs and quotas gone, topics ${m.keepSourceData ? `forgotten with their records kept (${list(home.forgetTopics)})` : `DELETED (${list(home.deleteTopics)})`}`
            : m.state === 'cutover'
              ? `writes refused (no Write grant), reads continue: ${list(home.topics.map((x) => x.name))}`
              : `the tenant keeps working here: ${list(home.topics.map((x) => x.name))}`
        }`,
  ];
  if (m.state === 'copying' || m.state === 'cutover') {
    lines.push(
      `at done: ${
        m.sameCluster
          ? 'the shared-tier grants are replaced by the topic-per-tenant grants'
          : `the source's grants go, its credentials are revoked, its topics are ${m.keepSourceData ? 'forgotten and kept' : 'deleted'} (keepSourceData: ${m.keepSourceData})`
      }; done needs \`kafka-tenancy migrate ${t.id} cutover\` to have proven the copy`,
    );
  }
  return {
    from,
    to,
    state: m.state,
    engine: m.engine,
    keepSourceData: m.keepSourceData,
    ...(m.sameCluster ? {} : { targetCluster: t.cluster }),
    approvedDeletions: Object.fromEntries(deletions.map((d) => [d, approval])),
    lines,
  };
}
