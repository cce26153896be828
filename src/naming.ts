/**
 * The single home of every name the platform creates. Nothing else concatenates tenant ids, separators or
 * prefixes: constructs, the verification suite, plan review and the runtime SDK read names from the model,
 * and the model gets them from here.
 *
 * The convention is `<namespace>.<name>`: `acme.orders`, `acme.billing`, `shared.orders.placed`,
 * `platform.analytics`. The separator `.` is a character tenant ids cannot contain, so the PREFIXED ACL
 * `acme.` matches tenant `acme`'s resources and never those of `acme-eu` (whose names start `acme-eu.`).
 * A prefix without the separator, or a suffix convention such as `orders-acme`, would over-match.
 */

/** Separates a namespace (tenant id, `shared`, `platform`) from the rest of a name. */
export const SEPARATOR = '.';

/** Tenant ids: lowercase, 3–32 characters, never the separator `.` nor `_` (which Kafka confuses with `.`). */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** Application and platform consumer names share the tenant id alphabet, so usernames stay unambiguous. */
export const APP_NAME_PATTERN = /^[a-z]([a-z0-9-]{0,46}[a-z0-9])?$/;

/** Namespace of the shared tier's topics (`shared.orders.placed`). */
export const SHARED_NAMESPACE = 'shared';
/** Namespace of the platform's own principals (`platform.analytics`). */
export const PLATFORM_NAMESPACE = 'platform';

/**
 * Ids a tenant cannot take: they are namespaces of the platform itself, or names of the admin and controller
 * principals. Anything starting with `__` belongs to Kafka (`__consumer_offsets`, `__transaction_state`).
 */
export const RESERVED_IDS: readonly string[] = [SHARED_NAMESPACE, PLATFORM_NAMESPACE, 'admin', 'controller'];

export function isReservedId(id: string): boolean {
  return RESERVED_IDS.includes(id) || id.startsWith('__');
}

/** Kafka's own limits on topic names. */
export const MAX_TOPIC_NAME_LENGTH = 249;
export const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** `acme.`: the namespace followed by the separator, which is what makes a PREFIXED ACL safe. */
export function namespacePrefix(namespace: string): string {
  return `${namespace}${SEPARATOR}`;
}

/** `acme.` — prefix of every topic of tenant `acme`. */
export function topicPrefix(tenantId: string): string {
  return namespacePrefix(tenantId);
}

/** `acme.` — prefix of every consumer group id of tenant `acme`. */
export function groupPrefix(tenantId: string): string {
  return namespacePrefix(tenantId);
}

/** `acme.` — prefix of every transactional id of tenant `acme`. */
export function transactionalIdPrefix(tenantId: string): string {
  return namespacePrefix(tenantId);
}

/** `shared.` — prefix of every shared-tier topic. */
export const SHARED_TOPIC_PREFIX = namespacePrefix(SHARED_NAMESPACE);

/** `acme.orders` for tenant `acme`'s logical topic `orders`. */
export function topicName(tenantId: string, logical: string): string {
  return `${topicPrefix(tenantId)}${logical}`;
}

/** `shared.orders.placed` for the shared topic `orders.placed`. */
export function sharedTopicName(logical: string): string {
  return `${SHARED_TOPIC_PREFIX}${logical}`;
}

/**
 * Segment under a shared-tier tenant's own prefix that holds its premium topics: `bigshop.premium.orders.placed` is
 * bigshop's private copy of the shared topic `orders.placed`. It lives under `bigshop.`, not under `shared.`: every
 * shared-tier producer holds PREFIXED WRITE and DESCRIBE on `shared.`, so a `shared.orders.placed.bigshop` would be
 * writable (and its offsets listable) by every other shared-tier tenant. Nothing outside bigshop's principals holds
 * a grant on `bigshop.`, and platform consumers get LITERAL grants on exactly the premium topics they read.
 */
export const PREMIUM_SEGMENT = 'premium';

/** `premium.orders.placed` — the logical name (under the tenant's prefix) of a premium copy of a shared topic. */
export function premiumTopicLogicalName(sharedLogical: string): string {
  return `${PREMIUM_SEGMENT}${SEPARATOR}${sharedLogical}`;
}

/** `bigshop.premium.orders.placed` — tenant `bigshop`'s premium topic for the shared topic `orders.placed`. */
export function premiumTopicName(tenantId: string, sharedLogical: string): string {
  return topicName(tenantId, premiumTopicLogicalName(sharedLogical));
}

/** `bigshop.premium.` — prefix of every premium topic of tenant `bigshop` (and of nothing else). */
export function premiumTopicPrefix(tenantId: string): string {
  return namespacePrefix(topicName(tenantId, PREMIUM_SEGMENT));
}

/** `acme.billing` — SCRAM username of tenant `acme`'s application `billing`. */
export function username(tenantId: string, app: string): string {
  return `${namespacePrefix(tenantId)}${app}`;
}

/** `platform.analytics` — SCRAM username of the platform consumer `analytics`. */
export function platformUsername(name: string): string {
  return `${namespacePrefix(PLATFORM_NAMESPACE)}${name}`;
}

/** `platform.analytics.` — the only group prefix a platform consumer may use. */
export function platformGroupPrefix(name: string): string {
  return namespacePrefix(platformUsername(name));
}

/** `User:acme.billing` — the Kafka principal of a SCRAM username. */
export function principalOf(user: string): string {
  return `User:${user}`;
}

/** `acme.billing` — full consumer group id of the group `billing` declared by tenant `acme`. */
export function groupId(tenantId: string, group: string): string {
  return `${groupPrefix(tenantId)}${group}`;
}

/** `acme.billing-tx` — full transactional id of `billing-tx` declared by tenant `acme`. */
export function transactionalId(tenantId: string, id: string): string {
  return `${transactionalIdPrefix(tenantId)}${id}`;
}

/** `scram/acme.billing` — key under which the secret source keeps a principal's SCRAM password. */
export function secretName(user: string): string {
  return `scram/${user}`;
}

/** Every key of the secret source: principals' SCRAM passwords, each cluster's admin and controller passwords. */
export const secretNames = {
  scram: secretName,
  admin: (cluster: string) => `admin/${cluster}`,
  controller: (cluster: string) => `controller/${cluster}`,
  /** PEM CA bundle of a SASL_SSL cluster (`security.caCertificate: secret`); public, kept with the secrets for transport. */
  tlsCa: (cluster: string) => `tlsca/${cluster}`,
  /** mTLS client certificate and key of a cluster (`security.clientCertificate: true`). */
  tlsClientCert: (cluster: string) => `tlscert/${cluster}`,
  tlsClientKey: (cluster: string) => `tlskey/${cluster}`,
  /** The password of the local state database (`kafka-tenancy local state-db`). */
  stateDb: () => 'state-db/owner',
};

/**
 * Key under which two topic names collide on a broker: Kafka maps `.` and `_` to the same metric name and
 * rejects the second topic; names differing only in case collide on case-insensitive file systems and in
 * every human conversation.
 */
export function collisionKey(name: string): string {
  return name.toLowerCase().replace(/_/g, '.');
}
