/**
 * The MirrorMaker 2 configuration of ONE tenant's move from the shared cluster to a dedicated one (issue 14): the
 * text of `mm2.properties` for a dedicated-mode MirrorMaker (`connect-mirror`'s `MirrorMaker --clusters target`).
 * Pure: the caller renders each cluster's client login (platform/connection.ts `javaClientProperties`, which may
 * write a CA file) and writes the result 0600, since it holds both admin passwords.
 *
 * What each choice is for (sources read: `connect/mirror` of connect-mirror 4.3.1's sources jar, `docs/ops.html`
 * "Geo-Replication"):
 *
 * - Copy exactly the tenant's topics under the same names: `topics` is the alternation of the escaped names (a
 *   prefix regex would also copy any topic under the prefix that the tenant file does not declare, e.g. one kept
 *   by a `retiredTopics` entry), and `IdentityReplicationPolicy` keeps the names.
 *   `heartbeats.replication.enabled=false`: the source connector otherwise adds every `heartbeats` topic of the
 *   source to the filter, whatever `topics` says (MirrorSourceConnector.shouldReplicateTopic).
 * - Terraform owns topics, configs and ACLs on the target (the topics exist, with their partition counts, before
 *   MirrorMaker starts): no config or ACL sync.
 * - Exactly once (docs/ops.html "Exactly once", KIP-618, KIP-710): `target.exactly.once.source.support=enabled`
 *   makes the target's Connect worker write each batch of copied records and the source offsets it has reached in
 *   one producer transaction, so a MirrorMaker killed at any moment restarts from the last committed position and
 *   the records of its open transaction are aborted (read_committed readers never see them: no duplicate).
 *   Dedicated mode needs the internal REST server for it (`dedicated.mode.enable.internal.rest=true` and a
 *   `listeners` URL, here on loopback only). With the worker's support enabled, Connect gives every source task a
 *   transactional producer (transactional id `<group.id>-MirrorSourceConnector-<task>`); the connector-level
 *   `exactly.once.support=required` would only add a preflight check, and cannot be set here: MirrorMaker gives
 *   its three connectors one base configuration, and MirrorHeartbeatConnector and MirrorCheckpointConnector do
 *   not implement the preflight API, so Connect refuses to create them (seen on 4.3.1). MirrorSourceConnector
 *   declares exactly-once SUPPORTED only with a read_committed source consumer
 *   (`source.consumer.isolation.level=read_committed`, which also keeps aborted source transactions off the
 *   target).
 * - Every internal resource that would collide between two tenants moving to the same cluster at the same time is
 *   named after the tenant: the Connect group (`target.group.id`, also the prefix of the transactional ids) and
 *   its config/offset/status topics. What MirrorMaker names from the cluster aliases alone (`heartbeats`,
 *   `source.checkpoints.internal`, `mm2-offset-syncs.source.internal`) is shared; their records are keyed by
 *   topic-partition or group, which are the tenant's own, so sharing is harmless. All of them live on the target:
 *   `offset-syncs.topic.location=target` keeps MirrorMaker from creating anything on the shared source cluster.
 * - Heartbeats off. Note: MirrorMaker 4.3.1 still starts MirrorHeartbeatConnector for the flow, and its start()
 *   creates an (empty) `heartbeats` topic on the target whatever `emit.heartbeats.enabled` says; nothing is ever
 *   written to it. It is listed by `mirrorMakerTargetTopics` for the clean-up after cutover.
 * - Client settings: MirrorMakerConfig.clusterProps strips the `<alias>.` prefix and copies every
 *   bootstrap/security/SSL/SASL setting into that cluster's `producer.`, `consumer.` and `admin.` configs, so one
 *   `source.`/`target.` line per setting reaches every client of that cluster.
 */

/** One cluster of the flow: where it answers and the lines of `javaClientProperties` (SASL, TLS). */
export interface MirrorCluster {
  readonly bootstrapServers: readonly string[];
  /** `key=value` lines as `javaClientProperties` returns them (unescaped). */
  readonly clientProperties: readonly string[];
}

export interface MirrorMakerPropertiesOptions {
  /** Tenant id: names the Connect group and internal topics. */
  readonly tenant: string;
  /** The tenant's topics (full names, e.g. `acme.orders`): exactly these are copied. */
  readonly topics: readonly string[];
  /** The tenant's group prefix with its separator (`acme.`): groups whose offsets MirrorMaker translates. */
  readonly groupPrefix: string;
  readonly source: MirrorCluster;
  readonly target: MirrorCluster & {
    /** Replication factor of every topic MirrorMaker creates on the target. */
    readonly replicationFactor: number;
  };
  /** Loopback port of the internal REST server (exactly-once needs it); 0 lets the OS pick a free one. */
  readonly restPort: number;
  /**
   * Seconds between checkpoints, group offset syncs and topic/group refreshes.
   * @default 1 (checkpoints, group sync) and 5 (refreshes)
   */
  readonly intervalSeconds?: number;
  /** Extra settings, after ours (tuning, tests: e.g. `source.consumer.max.poll.records`). */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The Connect group of a tenant's MirrorMaker on the target (also the prefix of its transactional ids). */
export function mirrorMakerGroup(tenant: string): string {
  return `mm2-${tenant}`;
}

/** Connect's own topics of a tenant's MirrorMaker on the target. */
export function mirrorMakerInternalTopics(tenant: string): { offsets: string; configs: string; status: string } {
  return {
    offsets: `mm2-offsets.${tenant}.internal`,
    configs: `mm2-configs.${tenant}.internal`,
    status: `mm2-status.${tenant}.internal`,
  };
}

/** Every topic a tenant's MirrorMaker may create on the target (for the clean-up after cutover). */
export function mirrorMakerTargetTopics(tenant: string): string[] {
  const own = mirrorMakerInternalTopics(tenant);
  // shared between tenants (named from the aliases): delete only when no other migration to this cluster runs
  return [
    own.configs,
    own.offsets,
    own.status,
    'heartbeats',
    'mm2-offset-syncs.source.internal',
    'source.checkpoints.internal',
  ];
}

/** A regex that matches exactly `s` (Java and JavaScript agree on these escapes). */
export function regexEscape(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
}

/**
 * A value as `java.util.Properties.load` reads it back unchanged: backslash escapes (a regex's `\.` would
 * otherwise lose its backslash), control characters, a leading space, and anything outside printable ASCII as
 * `\uXXXX` (Kafka loads the file as ISO-8859-1).
 */
export function propertiesValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    const code = c.charCodeAt(0);
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\f') out += '\\f';
    else if (c === ' ' && i === 0) out += '\\ ';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** A key, for the same reader: also `=`, `:`, `#`, `!` and spaces escaped. */
function propertiesKey(k: string): string {
  return propertiesValue(k).replace(/[=: #!]/g, (c) => `\\${c}`);
}

/** `key=value` lines of `javaClientProperties` → pairs (split at the first `=`). */
function clientPairs(lines: readonly string[]): Array<[string, string]> {
  return lines.map((line) => {
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`not a key=value client property: ${line.split('=')[0]}`);
    return [line.slice(0, at), line.slice(at + 1)];
  });
}

export function mirrorMakerProperties(opts: MirrorMakerPropertiesOptions): string {
  if (opts.topics.length === 0) throw new Error(`tenant "${opts.tenant}": no topics to copy`);
  if (!opts.groupPrefix) throw new Error(`tenant "${opts.tenant}": empty group prefix would match every group`);
  const interval = String(opts.intervalSeconds ?? 1);
  const refresh = String(Math.max(opts.intervalSeconds ?? 1, 5));
  const rf = String(opts.target.replicationFactor);
  const internal = mirrorMakerInternalTopics(opts.tenant);
  const topics = [...new Set(opts.topics)].sort().map(regexEscape).join('|');
  const pairs: Array<[string, string] | string> = [
    '# generated by kafka-tenancy (src/migration/mirror-config.ts); holds admin passwords: mode 0600, never commit',
    `# tenant ${opts.tenant}: copy its topics from the shared cluster (source) to its dedicated cluster (target)`,
    ['clusters', 'source, target'],
    ['source.bootstrap.servers', opts.source.bootstrapServers.join(',')],
    ['target.bootstrap.servers', opts.target.bootstrapServers.join(',')],
    ...clientPairs(opts.source.clientProperties).map(([k, v]): [string, string] => [`source.${k}`, v]),
    ...clientPairs(opts.target.clientProperties).map(([k, v]): [string, string] => [`target.${k}`, v]),
    '# one flow, one way',
    ['source->target.enabled', 'true'],
    ['target->source.enabled', 'false'],
    ['topics', topics],
    ['groups', `${regexEscape(opts.groupPrefix)}.*`],
    ['heartbeats.replication.enabled', 'false'],
    ['replication.policy.class', 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy'],
    '# terraform owns topics, their configs and ACLs on the target',
    ['sync.topic.configs.enabled', 'false'],
    ['sync.topic.acls.enabled', 'false'],
    ['emit.heartbeats.enabled', 'false'],
    ['emit.checkpoints.enabled', 'true'],
    ['emit.checkpoints.interval.seconds', interval],
    ['sync.group.offsets.enabled', 'true'],
    ['sync.group.offsets.interval.seconds', interval],
    ['refresh.topics.interval.seconds', refresh],
    ['refresh.groups.interval.seconds', refresh],
    ['offset.lag.max', '0'],
    ['offset-syncs.topic.location', 'target'],
    '# exactly once: records and source offsets in one transaction on the target (KIP-618, KIP-710)',
    ['target.exactly.once.source.support', 'enabled'],
    ['source.consumer.isolation.level', 'read_committed'],
    ['dedicated.mode.enable.internal.rest', 'true'],
    ['listeners', `http://127.0.0.1:${opts.restPort}`],
    "# this tenant's own Connect group and topics on the target",
    ['target.group.id', mirrorMakerGroup(opts.tenant)],
    ['config.storage.topic', internal.configs],
    ['offset.storage.topic', internal.offsets],
    ['status.storage.topic', internal.status],
    ['config.storage.replication.factor', rf],
    ['offset.storage.replication.factor', rf],
    ['status.storage.replication.factor', rf],
    ['replication.factor', rf],
    ['checkpoints.topic.replication.factor', rf],
    ['heartbeats.topic.replication.factor', rf],
    ['offset-syncs.topic.replication.factor', rf],
    ...Object.entries(opts.extra ?? {}),
  ];
  return (
    pairs.map((p) => (typeof p === 'string' ? p : `${propertiesKey(p[0])}=${propertiesValue(p[1])}`)).join('\n') + '\n'
  );
}
