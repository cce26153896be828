/**
 * How verify sees a tenant in the middle of a tier migration: as the placement it works in now (the source until
 * done, the target from done on), with the ACLs that phase grants and only the intents those ACLs allow (at
 * cutover its producers may no longer write). The other placement is checked by checks/migration.ts: topics as
 * declared, exactly the grants the phase gives there, login and refusals. After done the tenant is verified
 * like one born on its target.
 */
import { placements } from '../model/migration';
import type { Model, PrincipalModel, TenantModel } from '../model/types';
import type { AclBinding } from '../acl';

const can = (acls: readonly AclBinding[], ...ops: string[]) => acls.some((b) => ops.includes(b.operation));

function workingPrincipal(p: PrincipalModel, acls: readonly AclBinding[]): PrincipalModel {
  const writes = can(acls, 'Write', 'All');
  const reads = can(acls, 'Read', 'All');
  return {
    ...p,
    acls,
    produces: writes ? p.produces : [],
    transactionalIds: writes ? p.transactionalIds : [],
    consumes: reads ? p.consumes : [],
    groups: reads ? p.groups : [],
  };
}

/** The tenant as it works in the current phase (itself when it declares no migration). */
export function workingView(t: TenantModel): TenantModel {
  const m = t.migration;
  if (!m) return t;
  if (m.state === 'done') return t;
  const { home } = placements(t);
  const base = m.source;
  return {
    ...base,
    // the source's own topics (none on the shared tier, whose placement on the same cluster already holds the
    // target's): those are checked by checks/migration.ts and known to the placement checks (otherPlacementTopics)
    topics: m.sameCluster ? base.topics : home.topics,
    principals: home.principals.map((x) => workingPrincipal(x.principal, x.acls)),
    migration: m,
  };
}

/** The model verify checks: every migrating tenant as its working view. */
export function verifyModel(model: Model): Model {
  if (!model.tenants.some((t) => t.migration)) return model;
  return { ...model, tenants: model.tenants.map(workingView) };
}

/**
 * Topics of a migrating tenant that live beside its working placement and are not part of it, by cluster: the
 * target's before done (copies), the source's kept after done. Conformance does not call them undeclared.
 */
export function otherPlacementTopics(t: TenantModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const m = t.migration;
  if (!m) return out;
  const add = (cluster: string, names: readonly string[]) =>
    out.set(cluster, [...new Set([...(out.get(cluster) ?? []), ...names])]);
  if (m.state === 'copying' || m.state === 'cutover')
    add(
      m.targetCluster,
      m.topics.map((x) => x.target),
    );
  if (m.state === 'done' && m.keepSourceData && !m.sameCluster)
    add(
      m.source.cluster,
      m.source.topics.map((x) => x.name),
    );
  return out;
}
