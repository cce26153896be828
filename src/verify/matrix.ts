/**
 * The tenants × tenants matrix of each cluster, from a report: the cell (A, B) holds the checks in which A's
 * principals act against B (`CheckResult.tenant` → `CheckResult.target`, as the negative and shared-tier checks set
 * them), the diagonal (A, A) A's own checks on the cluster (positive, conformance, quota, …). A cell shows the worst
 * result among its checks. Checks of a cluster-wide owner (`cluster:<name>`) and checks that involve an owner living
 * on another cluster (the dedicated tier's login checks) are kept beside the matrix. Pure: the HTML and SVG
 * renderers draw it.
 */
import type { CheckResult, CheckStatus, VerificationReport } from './types';

/** Worst first: a cell is as bad as its worst check. */
const SEVERITY: readonly CheckStatus[] = ['fail', 'error', 'skipped', 'pass'];

/** The worst status among `statuses`; undefined for none (a pair no check covers: not applicable). */
export function worst(statuses: Iterable<CheckStatus>): CheckStatus | undefined {
  let best: number | undefined;
  for (const s of statuses) {
    const i = SEVERITY.indexOf(s);
    if (best === undefined || i < best) best = i;
  }
  return best === undefined ? undefined : SEVERITY[best];
}

export interface MatrixCell {
  readonly actor: string;
  readonly target: string;
  /** Worst result of the pair's checks; undefined when no check covers the pair. */
  readonly status?: CheckStatus;
  readonly results: readonly CheckResult[];
}

export interface ForeignOwner {
  /** An owner living on another cluster whose principals were checked here (or this cluster's owner, elsewhere). */
  readonly owner: string;
  readonly status?: CheckStatus;
  readonly results: readonly CheckResult[];
}

export interface ClusterMatrix {
  readonly cluster: string;
  /** The axes, rows (acting owner) and columns (target owner) alike, sorted. */
  readonly owners: readonly string[];
  /** `cells[i][j]`: owners[i] acting against owners[j]. */
  readonly cells: readonly (readonly MatrixCell[])[];
  /** Checks of the cluster as a whole (`cluster:<name>`). */
  readonly clusterWide: readonly CheckResult[];
  /** Checks on this cluster involving owners that live elsewhere, per such owner. */
  readonly foreign: readonly ForeignOwner[];
}

const CLUSTER_OWNER = 'cluster:';

/** Owners per cluster: the report's own map, or what the results show (dedicated-tier login checks aside). */
function ownersOf(report: VerificationReport): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (report.owners) {
    for (const [c, os] of Object.entries(report.owners)) out.set(c, [...os].sort());
    return out;
  }
  const seen = new Map<string, Set<string>>();
  for (const r of report.results) {
    if (r.category === 'dedicated-tier') continue;
    const s = seen.get(r.cluster) ?? new Set<string>();
    for (const o of [r.tenant, r.target]) if (o && !o.startsWith(CLUSTER_OWNER)) s.add(o);
    seen.set(r.cluster, s);
  }
  for (const [c, s] of seen) out.set(c, [...s].sort());
  return out;
}

/** One matrix per cluster that has results, sorted by cluster. */
export function clusterMatrices(report: VerificationReport): ClusterMatrix[] {
  const owners = ownersOf(report);
  const clusters = [...new Set(report.results.map((r) => r.cluster))].sort();
  return clusters.map((cluster) => {
    const axis = owners.get(cluster) ?? [];
    const here = new Set(axis);
    const pairs = new Map<string, CheckResult[]>();
    const clusterWide: CheckResult[] = [];
    const foreign = new Map<string, CheckResult[]>();
    const add = (m: Map<string, CheckResult[]>, k: string, r: CheckResult) => m.set(k, [...(m.get(k) ?? []), r]);
    for (const r of report.results.filter((x) => x.cluster === cluster)) {
      const actor = r.tenant;
      const target = r.target ?? r.tenant;
      const away = [actor, target].find((o) => !o.startsWith(CLUSTER_OWNER) && !here.has(o));
      if (away) add(foreign, away, r);
      else if (actor.startsWith(CLUSTER_OWNER) || target.startsWith(CLUSTER_OWNER)) clusterWide.push(r);
      else add(pairs, `${actor}\n${target}`, r);
    }
    const cells = axis.map((actor) =>
      axis.map((target): MatrixCell => {
        const results = pairs.get(`${actor}\n${target}`) ?? [];
        const status = worst(results.map((r) => r.status));
        return status ? { actor, target, status, results } : { actor, target, results };
      }),
    );
    return {
      cluster,
      owners: axis,
      cells,
      clusterWide,
      foreign: [...foreign.keys()].sort().map((owner) => {
        const results = foreign.get(owner)!;
        const status = worst(results.map((r) => r.status));
        return status ? { owner, status, results } : { owner, results };
      }),
    };
  });
}
