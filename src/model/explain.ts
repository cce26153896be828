/**
 * "Why can X do Y?": a principal, a topic or a tenant of the model, explained from the model alone — every ACL
 * binding with its reason and the tenant-file (or environment-file) entries that caused it, the credential, the
 * quota and where it was set, and for a topic every principal the broker would let reach it. Pure: the CLI
 * (`kafka-tenancy explain`) renders it as text or JSON.
 */
import { authorize, describeAcl, matchesResource, type AclBinding, type AclOperation } from '../acl';
import type { SourceLocation } from '../source';
import { nearest } from './tenant-schema';
import type { Model, PrincipalModel, TenantModel, TopicModel } from './types';

/** Operations a client can ask for on a topic. */
const TOPIC_OPERATIONS: readonly AclOperation[] = [
  'Read',
  'Write',
  'Describe',
  'Create',
  'Delete',
  'Alter',
  'DescribeConfigs',
  'AlterConfigs',
];

/** The only SASL mechanism the platform's client listeners offer. */
export const SASL_MECHANISM = 'SCRAM-SHA-512';

export interface BindingExplanation {
  readonly id: string;
  /** `Write on topics prefixed "acme."` */
  readonly description: string;
  readonly resourceType: AclBinding['resourceType'];
  readonly patternType: AclBinding['patternType'];
  readonly resourceName: string;
  readonly operation: AclOperation;
  readonly reason: string;
  /** The intent entries that caused the binding. */
  readonly sources: readonly SourceLocation[];
}

export interface PrincipalExplanation {
  readonly kind: 'principal';
  /** `User:acme.billing` */
  readonly principal: string;
  readonly username: string;
  /** Owning tenant; null for a platform consumer. */
  readonly tenant: string | null;
  /** Application (platform consumer) name as declared. */
  readonly app: string;
  readonly cluster: string;
  readonly source: SourceLocation;
  /** Never a password: where the password is kept. */
  readonly credential: { readonly mechanism: string; readonly username: string; readonly secretName: string };
  readonly quota: {
    readonly producerByteRate: number;
    readonly consumerByteRate: number;
    readonly requestPercentage: number;
    /** Where it was declared; null when every value is the tier's default. */
    readonly source: SourceLocation | null;
    /** The tier whose defaults fill what the declaration leaves out (the platform's ceiling: `shared`). */
    readonly tier: string;
  };
  readonly bindings: readonly BindingExplanation[];
}

export interface TopicAccess {
  readonly principal: string;
  readonly tenant: string | null;
  /** Each binding that lets the principal at the topic, with the operations it allows there. */
  readonly grants: ReadonlyArray<{
    readonly binding: BindingExplanation;
    readonly operations: readonly AclOperation[];
  }>;
}

export interface TopicExplanation extends Pick<
  TopicModel,
  'name' | 'source' | 'partitions' | 'replicationFactor' | 'config'
> {
  readonly kind: 'topic';
  /** Owning tenant; null for a shared topic. */
  readonly tenant: string | null;
  readonly cluster: string;
  /** Every principal the broker would allow some operation on the topic, sorted by principal. */
  readonly access: readonly TopicAccess[];
}

export interface TenantExplanation extends Pick<TenantModel, 'id' | 'file' | 'source' | 'tier' | 'cluster'> {
  readonly kind: 'tenant';
  readonly principals: readonly PrincipalExplanation[];
  readonly topics: readonly TopicExplanation[];
}

export type Explanation = PrincipalExplanation | TopicExplanation | TenantExplanation;

/** A principal of the model with the cluster it lives on and its tenant (undefined: a platform consumer). */
interface Located {
  readonly p: PrincipalModel;
  readonly cluster: string;
  readonly tenant?: TenantModel;
}

function principals(model: Model): Located[] {
  return [
    ...model.tenants.flatMap((t) => t.principals.map((p) => ({ p, cluster: t.cluster, tenant: t }))),
    ...model.platform.consumers.map((p) => ({ p, cluster: model.env.sharedCluster })),
  ];
}

function topics(model: Model): Array<{ topic: TopicModel; cluster: string; tenant?: TenantModel }> {
  return [
    ...model.tenants.flatMap((t) => t.topics.map((topic) => ({ topic, cluster: t.cluster, tenant: t }))),
    ...model.platform.topics.map((topic) => ({ topic, cluster: model.env.sharedCluster })),
  ];
}

function binding(b: AclBinding): BindingExplanation {
  return {
    id: b.id,
    description: describeAcl(b),
    resourceType: b.resourceType,
    patternType: b.patternType,
    resourceName: b.resourceName,
    operation: b.operation,
    reason: b.reason,
    sources: b.sources,
  };
}

function explainPrincipal({ p, cluster, tenant }: Located): PrincipalExplanation {
  return {
    kind: 'principal',
    principal: p.principal,
    username: p.username,
    tenant: tenant?.id ?? null,
    app: p.app,
    cluster,
    source: p.source,
    credential: { mechanism: SASL_MECHANISM, username: p.username, secretName: p.secretName },
    quota: { ...p.quota, source: p.quotaSource ?? null, tier: tenant?.tier ?? 'shared' },
    bindings: p.acls.map(binding),
  };
}

function explainTopic(
  model: Model,
  { topic, cluster, tenant }: { topic: TopicModel; cluster: string; tenant?: TenantModel },
): TopicExplanation {
  const access: TopicAccess[] = [];
  // Bindings live on one cluster: only principals of the topic's cluster can reach it.
  for (const { p, tenant: owner } of principals(model).filter((x) => x.cluster === cluster)) {
    const relevant = p.acls.filter((b) => matchesResource(b, 'Topic', topic.name));
    const grants = relevant.flatMap((b) => {
      const operations = TOPIC_OPERATIONS.filter(
        (operation) =>
          authorize([b], { principal: p.principal, host: '*', resourceType: 'Topic', name: topic.name, operation })
            .allowed,
      );
      return operations.length ? [{ binding: binding(b), operations }] : [];
    });
    if (grants.length) access.push({ principal: p.principal, tenant: owner?.id ?? null, grants });
  }
  access.sort((a, b) => (a.principal < b.principal ? -1 : a.principal > b.principal ? 1 : 0));
  return {
    kind: 'topic',
    name: topic.name,
    tenant: tenant?.id ?? null,
    cluster,
    source: topic.source,
    partitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    config: topic.config,
    access,
  };
}

function explainTenant(model: Model, t: TenantModel): TenantExplanation {
  return {
    kind: 'tenant',
    id: t.id,
    file: t.file,
    source: t.source,
    tier: t.tier,
    cluster: t.cluster,
    principals: t.principals.map((p) => explainPrincipal({ p, cluster: t.cluster, tenant: t })),
    topics: t.topics.map((topic) => explainTopic(model, { topic, cluster: t.cluster, tenant: t })),
  };
}

/**
 * Everything `name` can denote: a principal (`acme.billing`, `User:acme.billing`, `platform.analytics`), a topic
 * (`acme.orders`, `shared.orders.placed`) or a tenant (`acme`). Usually one; a topic and a principal may share a
 * name, then both are explained. Empty when nothing matches (see `suggestName`).
 */
export function explain(model: Model, name: string): Explanation[] {
  const out: Explanation[] = [];
  const tenant = model.tenants.find((t) => t.id === name);
  if (tenant) out.push(explainTenant(model, tenant));
  for (const located of principals(model)) {
    if (located.p.username === name || located.p.principal === name) out.push(explainPrincipal(located));
  }
  for (const t of topics(model)) if (t.topic.name === name) out.push(explainTopic(model, t));
  return out;
}

/** The name of the model closest to a misspelt one, if close enough to be a typo. */
export function suggestName(model: Model, name: string): string | undefined {
  const names = [
    ...model.tenants.map((t) => t.id),
    ...principals(model).map((x) => x.p.username),
    ...topics(model).map((t) => t.topic.name),
  ];
  return nearest(name.replace(/^User:/, ''), names);
}
