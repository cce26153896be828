/**
 * Support for the verification suite's integration tests: deploy the example fleet (idempotent), and change the
 * live clusters out of band the way an operator could by mistake — with kafkajs as the admin for ACLs and topics,
 * and with Kafka's own ConfigCommand (the class behind kafka-configs.sh) for quotas, topic configs and SCRAM
 * credentials, which kafkajs cannot touch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deploy } from '../../src/pipeline/deploy';
import { run } from '../../src/toolchain/exec';
import { ensureKafkaLibs, kafkaClasspath } from '../../src/local/kafka-runtime';
import { adminCredentials } from '../../src/platform/identities';
import { javaClientProperties } from '../../src/platform/connection';
import { loadModel } from '../../src/model';
import type { Model } from '../../src/model/types';
import { synthesize } from '../../src/stacks/synth';
import type { QuotaEntityPart } from '../../src/verify/admin-protocol';
import { OPERATOR_USERS } from '../../src/verify/context';
import { RawSession } from '../../src/verify/raw';
import type { LocalPlatform } from './support';

/**
 * Synthesize the example fleet into a temporary folder and deploy it (no changes when it is deployed already), then
 * remove the SCRAM users and quota entities the example fleet does not declare (see `removeUndeclaredIdentities`):
 * verify's whole-fleet identity checks fail on every one of them.
 */
export async function ensureFleetDeployed(platform: LocalPlatform): Promise<Model> {
  const model = loadModel({ env: platform.env.name, root: platform.root });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-verify-synth-'));
  try {
    synthesize(model, outdir);
    await deploy({ model, outdir, cli: platform.cli, secrets: platform.secrets });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  const removed = await removeUndeclaredIdentities(platform, model);
  if (removed.length > 0) {
    process.stderr.write(
      `removed ${removed.length} undeclared identit(ies) left by other tests: ${removed.join(', ')}\n`,
    );
  }
  return model;
}

/**
 * Delete every SCRAM credential and quota entity on the local clusters that `model` does not place there: what other
 * integration tests leave behind (revoked credentials of decommissioned test tenants stay on the cluster by design,
 * and quota entities of tenants whose topics and ACLs a test removed by hand), and whatever an interrupted negative
 * control did not undo. Safe on the harness clusters: `local up` waits for the first metadata snapshot, after which
 * deleting a credential cannot trigger the ScramDelta lock-out (docs/upstream/kafka-scram-delta.md).
 */
export async function removeUndeclaredIdentities(platform: LocalPlatform, model: Model): Promise<string[]> {
  const tool = ConfigCommand.ensure(platform);
  const removed: string[] = [];
  for (const cluster of Object.keys(model.env.clusters).sort()) {
    const here = [
      ...model.tenants.filter((t) => t.cluster === cluster).flatMap((t) => t.principals),
      ...(cluster === model.env.sharedCluster ? model.platform.consumers : []),
    ].map((p) => p.username);
    const active = [
      ...model.tenants.filter((t) => t.cluster === cluster && t.lifecycle === 'active').flatMap((t) => t.principals),
      ...(cluster === model.env.sharedCluster ? model.platform.consumers : []),
    ].map((p) => p.username);
    const operators = [...OPERATOR_USERS.required, ...OPERATOR_USERS.optional];
    const { users, quotas } = await identitiesOf(platform, cluster);
    for (const q of quotas) {
      const [only, ...rest] = q.entity;
      const declared = rest.length === 0 && only?.entityType === 'user' && active.includes(only.entityName ?? '');
      if (declared || Object.keys(q.values).length === 0) continue;
      tool.deleteQuota(cluster, q.entity, Object.keys(q.values));
      removed.push(
        `quota ${q.entity.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).join(',')} @${cluster}`,
      );
    }
    for (const u of users) {
      if (here.includes(u.user) || operators.includes(u.user)) continue;
      tool.deleteScramCredential(cluster, u.user);
      removed.push(`SCRAM user ${u.user} @${cluster}`);
    }
  }
  return removed;
}

/** Every SCRAM user and quota entity of a cluster, read as the admin with verify's own raw requests. */
export async function identitiesOf(platform: LocalPlatform, cluster: string) {
  const session = await RawSession.open(platform.brokers(cluster), adminCredentials(platform.secrets, cluster));
  try {
    return { users: await session.describeScramUsers(), quotas: await session.describeClientQuotas() };
  } finally {
    await session.close();
  }
}

/** ConfigCommand's entity options for a quota entity (`<default>` is `--entity-default`). */
function entityArgs(entity: readonly QuotaEntityPart[]): string[] {
  const types: Record<string, string> = { user: 'users', 'client-id': 'clients', ip: 'ips' };
  return entity.flatMap((p) => [
    '--entity-type',
    types[p.entityType] ?? p.entityType,
    ...(p.entityName === null ? ['--entity-default'] : ['--entity-name', p.entityName]),
  ]);
}

/**
 * `org.apache.kafka.tools.ConfigCommand` (kafka-configs.sh), from kafka-tools, which `local install` fetches with
 * the broker jars; and its ConsoleConsumer (kafka-console-consumer.sh) for records kafkajs cannot decode.
 */
export class ConfigCommand {
  private constructor(
    private readonly classpath: string,
    private readonly platform: LocalPlatform,
  ) {}

  static ensure(platform: LocalPlatform): ConfigCommand {
    return new ConfigCommand(kafkaClasspath(ensureKafkaLibs()), platform);
  }

  /**
   * Run ConfigCommand as the admin of `cluster`. Credentials and any `file` contents go into a private temporary
   * folder (mode 0700, files 0600) that is removed afterwards; nothing secret is on the command line.
   */
  run(cluster: string, args: readonly string[], file?: { name: string; content: string }): string {
    return this.tool('org.apache.kafka.tools.ConfigCommand', cluster, args, file);
  }

  /**
   * Headers of the record at `offset` of a topic partition, read as the admin with Kafka's own ConsoleConsumer
   * (for topics kafkajs 2.2.4 cannot decode, e.g. `compression.type: zstd`). Each header as `key:value`; `undefined`
   * if there is no record there.
   */
  recordHeaders(cluster: string, topic: string, partition: number, offset: string): string[] | undefined {
    const out = this.tool('org.apache.kafka.tools.consumer.ConsoleConsumer', cluster, [
      '--topic',
      topic,
      '--partition',
      String(partition),
      '--offset',
      offset,
      '--max-messages',
      '1',
      '--timeout-ms',
      '15000',
      '--isolation-level',
      'read_committed',
      '--formatter-property',
      'print.offset=true',
      '--formatter-property',
      'print.headers=true',
      '--formatter-property',
      'print.key=false',
      '--formatter-property',
      'print.value=false',
      '--formatter-property',
      'headers.separator=|',
    ]);
    // "Offset:<n>\t<k1>:<v1>|<k2>:<v2>" (or "NO_HEADERS")
    const line = out.split('\n').find((l) => l.startsWith(`Offset:${offset}\t`));
    if (!line) return undefined;
    const headers = line.split('\t')[1] ?? '';
    return headers === 'NO_HEADERS' ? [] : headers.split('|');
  }

  private tool(
    mainClass: string,
    cluster: string,
    args: readonly string[],
    file?: { name: string; content: string },
  ): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-config-command-'));
    fs.chmodSync(dir, 0o700);
    try {
      const endpoint = this.platform.brokers(cluster);
      const props = path.join(dir, 'admin.properties');
      fs.writeFileSync(
        props,
        javaClientProperties(endpoint, adminCredentials(this.platform.secrets, cluster), dir).join('\n') + '\n',
        { mode: 0o600 },
      );
      const extra = file ? path.join(dir, file.name) : undefined;
      if (file && extra) fs.writeFileSync(extra, file.content, { mode: 0o600 });
      const res = run('java', [
        '-Xmx256m',
        '-cp',
        this.classpath,
        mainClass,
        '--bootstrap-server',
        endpoint.bootstrapServers.join(','),
        '--command-config',
        props,
        ...args.map((a) => (a === '{file}' && extra ? extra : a)),
      ]);
      return res.stdout;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Remove every quota of a user (what deleting the Terraform quota resource, or a failed replace, leaves). */
  deleteUserQuota(cluster: string, user: string): void {
    this.run(cluster, [
      '--alter',
      '--delete-config',
      'producer_byte_rate,consumer_byte_rate,request_percentage',
      '--entity-type',
      'users',
      '--entity-name',
      user,
    ]);
  }

  setUserQuota(
    cluster: string,
    user: string,
    q: { producerByteRate: number; consumerByteRate: number; requestPercentage: number },
  ): void {
    this.run(cluster, [
      '--alter',
      '--add-config',
      `producer_byte_rate=${q.producerByteRate},consumer_byte_rate=${q.consumerByteRate},request_percentage=${q.requestPercentage}`,
      '--entity-type',
      'users',
      '--entity-name',
      user,
    ]);
  }

  /** Set quota values on any entity, e.g. `[{ entityType: 'user', entityName: null }]` for the `<default>` user. */
  setQuota(cluster: string, entity: readonly QuotaEntityPart[], values: Readonly<Record<string, number>>): void {
    const config = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    this.run(cluster, ['--alter', '--add-config', config, ...entityArgs(entity)]);
  }

  /** Remove quota keys from any entity (the entity disappears with its last key). */
  deleteQuota(cluster: string, entity: readonly QuotaEntityPart[], keys: readonly string[]): void {
    this.run(cluster, ['--alter', '--delete-config', keys.join(','), ...entityArgs(entity)]);
  }

  /** Incremental change of one topic config (kafkajs' legacy AlterConfigs would reset every other override). */
  setTopicConfig(cluster: string, topic: string, key: string, value: string): void {
    this.run(cluster, [
      '--alter',
      '--add-config',
      `${key}=${value}`,
      '--entity-type',
      'topics',
      '--entity-name',
      topic,
    ]);
  }

  /** Create (or replace) a SCRAM-SHA-512 credential; the password travels in a 0600 file, never in argv. */
  addScramCredential(cluster: string, user: string, password: string, iterations = 8192): void {
    this.run(cluster, ['--alter', '--add-config-file', '{file}', '--entity-type', 'users', '--entity-name', user], {
      name: 'scram.properties',
      content: `SCRAM-SHA-512=iterations=${iterations},password=${password}\n`,
    });
  }

  /** Delete a SCRAM-SHA-512 credential; true if there was one. */
  deleteScramCredential(cluster: string, user: string): boolean {
    try {
      this.run(cluster, [
        '--alter',
        '--delete-config',
        'SCRAM-SHA-512',
        '--entity-type',
        'users',
        '--entity-name',
        user,
      ]);
      return true;
    } catch (e) {
      if (/does not exist/.test(String((e as Error).message))) return false;
      throw e;
    }
  }
}
