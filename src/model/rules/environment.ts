/**
 * Rules across the fields of one environment file: the shared cluster, replication within each cluster's brokers,
 * platform consumers reading declared shared topics, retirements coherent. They run when the environment loads,
 * before any tenant rule (which relies on them).
 */
import type { Problem } from '../../errors';

/**
 * The fields of an environment these rules read. Structural, so that this file need not import environment.ts,
 * which runs these rules when it loads a file (the decoded `Environment` fits).
 */
export interface EnvironmentFields {
  readonly clusters: Readonly<
    Record<
      string,
      {
        readonly dedicated: boolean;
        readonly bootstrapServers: readonly string[];
        readonly brokers: number;
        readonly replicationFactor: number;
        readonly local?: { readonly clientPort: number; readonly controllerPort: number };
        readonly security?: { readonly protocol: string };
      }
    >
  >;
  readonly sharedCluster: string;
  readonly sharedTopics: ReadonlyArray<{ readonly name: string }>;
  readonly retiredSharedTopics: ReadonlyArray<{ readonly name: string }>;
  readonly platformConsumers: ReadonlyArray<{ readonly name: string; readonly consumes: readonly string[] }>;
  readonly tierDefaults: Readonly<
    Record<
      string,
      {
        readonly partitions: number;
        readonly retentionMs: number;
        readonly topicBounds: {
          readonly maxPartitionsPerTopic: number;
          readonly maxPartitionsPerTenant: number;
          readonly minRetentionMs: number;
          readonly maxRetentionMs: number;
          readonly allowInfiniteRetention: boolean;
        };
      }
    >
  >;
}

export interface EnvironmentRuleContext {
  readonly env: EnvironmentFields;
  /** The environment file relative to the project root, e.g. `environments/local.yaml`. */
  readonly file: string;
}

export interface EnvironmentRule {
  readonly code: string;
  /** One line for the docs and `kafka-tenancy validate --rules`. */
  readonly describe: string;
  check(ctx: EnvironmentRuleContext): Problem[];
}

const sharedTopicSet = (env: EnvironmentFields) => new Set(env.sharedTopics.map((t) => t.name));

/** `host:port` as a comparable key: the host lowercased, `localhost` as the loopback address local clusters use. */
const addressKey = (hostPort: string): string => {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i).toLowerCase();
  return `${host === 'localhost' ? '127.0.0.1' : host}:${hostPort.slice(i + 1)}`;
};

/**
 * Two clusters on one `host:port` would be one cluster to every client (and `local up` would start only one):
 * each address — bootstrap servers, and the loopback client and controller ports of a local cluster's nodes — belongs
 * to the first cluster that declares it. Node i (0-based) of a local cluster of n brokers listens on clientPort + i
 * and controllerPort + i (src/local/cluster.ts), so within one cluster those 2n ports must differ too.
 */
const CLUSTER_ADDRESS_RULE: EnvironmentRule = {
  code: 'duplicate_address',
  describe: 'no two clusters (or local nodes) share a host:port (bootstrap servers, local client and controller ports)',
  check: ({ env, file }) => {
    const owners = new Map<string, { cluster: string; path: string }>();
    /** The first node port of each local address: two nodes of one cluster may not share one either. */
    const nodeOwners = new Map<string, { cluster: string; path: string }>();
    return Object.entries(env.clusters).flatMap(([name, c]) => {
      const nodePorts = (kind: 'clientPort' | 'controllerPort', base: number) =>
        Array.from({ length: c.brokers }, (_, i) => ({
          address: `127.0.0.1:${base + i}`,
          path: `clusters.${name}.local.${kind}`,
          what: i === 0 ? '' : ` (node ${i + 1}: ${kind} + ${i})`,
          local: true,
        }));
      const addresses = [
        ...c.bootstrapServers.map((a, i) => ({
          address: a,
          path: `clusters.${name}.bootstrapServers[${i}]`,
          what: '',
          local: false,
        })),
        ...(c.local
          ? [...nodePorts('clientPort', c.local.clientPort), ...nodePorts('controllerPort', c.local.controllerPort)]
          : []),
      ];
      return addresses.flatMap(({ address, path, what, local }) => {
        const key = addressKey(address);
        const owner = owners.get(key);
        if (!owner) owners.set(key, { cluster: name, path: path + what });
        const at = { file, path, code: 'duplicate_address' };
        if (owner && owner.cluster !== name) {
          return [
            {
              ...at,
              message:
                `${address}${what} is the same address as ${owner.path} (cluster "${owner.cluster}"); ` +
                'two clusters cannot listen on one host:port: give this cluster its own port',
            },
          ];
        }
        // a cluster lists its own client ports as bootstrap servers; two of its own nodes' ports may never meet
        if (!local) return [];
        const node = nodeOwners.get(key);
        if (!node) nodeOwners.set(key, { cluster: name, path: path + what });
        if (!node || node.cluster !== name) return [];
        return [
          {
            ...at,
            message:
              `${address}${what} is also ${node.path} of the same cluster; the nodes of a local cluster of ` +
              `${c.brokers} brokers listen on ${c.brokers} consecutive client and ${c.brokers} consecutive controller ports: move one range`,
          },
        ];
      });
    });
  },
};

export const ENVIRONMENT_RULES: readonly EnvironmentRule[] = [
  {
    code: 'unknown_cluster',
    describe: 'sharedCluster is one of the clusters',
    check: ({ env, file }) =>
      env.clusters[env.sharedCluster]
        ? []
        : [
            {
              file,
              path: 'sharedCluster',
              code: 'unknown_cluster',
              message: `"${env.sharedCluster}" is not one of the clusters (${Object.keys(env.clusters).join(', ')})`,
            },
          ],
  },
  {
    code: 'dedicated_cluster',
    describe: 'the shared cluster is not marked dedicated',
    check: ({ env, file }) =>
      env.clusters[env.sharedCluster]?.dedicated
        ? [
            {
              file,
              path: 'sharedCluster',
              code: 'dedicated_cluster',
              message: 'the shared cluster cannot be marked dedicated',
            },
          ]
        : [],
  },
  {
    code: 'too_big',
    describe: "a cluster's replication factor does not exceed its brokers",
    check: ({ env, file }) =>
      Object.entries(env.clusters).flatMap(([name, c]) =>
        c.replicationFactor > c.brokers
          ? [
              {
                file,
                path: `clusters.${name}.replicationFactor`,
                code: 'too_big',
                message: `replication factor ${c.replicationFactor} exceeds the cluster's ${c.brokers} broker(s)`,
              },
            ]
          : [],
      ),
  },
  {
    code: 'unknown_topic',
    describe: 'platform consumers consume shared topics declared under sharedTopics',
    check: ({ env, file }) => {
      const topicNames = sharedTopicSet(env);
      return env.platformConsumers.flatMap((pc, i) =>
        pc.consumes.flatMap((t, j) =>
          topicNames.has(t)
            ? []
            : [
                {
                  file,
                  path: `platformConsumers[${i}].consumes[${j}]`,
                  code: 'unknown_topic',
                  message: `"${t}" is not a shared topic; declare it under sharedTopics`,
                },
              ],
        ),
      );
    },
  },
  {
    code: 'retired_topic_declared',
    describe: 'a retired shared topic is not declared under sharedTopics at the same time',
    check: ({ env, file }) => {
      const topicNames = sharedTopicSet(env);
      return env.retiredSharedTopics.flatMap((r, i) =>
        topicNames.has(r.name)
          ? [
              {
                file,
                path: `retiredSharedTopics[${i}].name`,
                code: 'retired_topic_declared',
                message: `shared topic "${r.name}" is both declared under sharedTopics and retired; remove it from sharedTopics to retire it, or drop the retiredSharedTopics entry to keep it`,
              },
            ]
          : [],
      );
    },
  },
  CLUSTER_ADDRESS_RULE,
  {
    code: 'tier_defaults_out_of_bounds',
    describe: "each tier's defaults lie within its own topicBounds, and the bounds are coherent",
    check: ({ env, file }) =>
      Object.entries(env.tierDefaults).flatMap(([tier, d]) => {
        const b = d.topicBounds;
        const at = (field: string, message: string) => ({
          file,
          path: `tierDefaults.${tier}.${field}`,
          code: 'tier_defaults_out_of_bounds',
          message,
        });
        const out: Problem[] = [];
        if (d.partitions > b.maxPartitionsPerTopic) {
          out.push(
            at(
              'partitions',
              `the default of ${d.partitions} partitions exceeds topicBounds.maxPartitionsPerTopic (${b.maxPartitionsPerTopic}), so every topic that takes the default would be refused; lower the default or raise the bound`,
            ),
          );
        }
        if (d.retentionMs === -1 && !b.allowInfiniteRetention) {
          out.push(
            at(
              'retentionMs',
              'the default -1 (keep forever) is not allowed by topicBounds.allowInfiniteRetention: false; set a finite default or allow infinite retention',
            ),
          );
        } else if (d.retentionMs !== -1 && (d.retentionMs < b.minRetentionMs || d.retentionMs > b.maxRetentionMs)) {
          out.push(
            at(
              'retentionMs',
              `the default ${d.retentionMs} ms is outside topicBounds (${b.minRetentionMs} to ${b.maxRetentionMs} ms); move the default or the bounds`,
            ),
          );
        }
        if (b.minRetentionMs > b.maxRetentionMs) {
          out.push(
            at(
              'topicBounds.minRetentionMs',
              `minRetentionMs (${b.minRetentionMs}) is above maxRetentionMs (${b.maxRetentionMs}), so no finite retention is allowed; swap or fix them`,
            ),
          );
        }
        if (b.maxPartitionsPerTopic > b.maxPartitionsPerTenant) {
          out.push(
            at(
              'topicBounds.maxPartitionsPerTopic',
              `maxPartitionsPerTopic (${b.maxPartitionsPerTopic}) is above maxPartitionsPerTenant (${b.maxPartitionsPerTenant}), so one topic at the bound would break the tenant bound; lower it or raise maxPartitionsPerTenant`,
            ),
          );
        }
        return out;
      }),
  },
];

/** A loopback address: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(hostPort: string): boolean {
  const host = hostPort.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Warnings, not errors: what is allowed but should not reach production. A SASL_PLAINTEXT cluster on a
 * non-loopback address sends SCRAM exchanges and every record in clear text over the network.
 */
export function environmentWarnings(env: EnvironmentFields, file: string): Problem[] {
  return Object.entries(env.clusters).flatMap(([name, c]) =>
    (c.security?.protocol ?? 'SASL_PLAINTEXT') === 'SASL_PLAINTEXT'
      ? c.bootstrapServers
          .map((address, i) => ({ address, i }))
          .filter(({ address }) => !isLoopback(address))
          .map(({ address, i }) => ({
            file,
            path: `clusters.${name}.bootstrapServers[${i}]`,
            code: 'plaintext_network',
            message: `cluster "${name}" is SASL_PLAINTEXT on ${address}, which is not a loopback address: passwords' SCRAM exchanges and every record cross the network unencrypted; declare security: { protocol: SASL_SSL } (SASL_PLAINTEXT is for loopback/dev clusters)`,
          }))
      : [],
  );
}
