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
import { run } from '../../src/local/exec';
import { ensureKafkaLibs, kafkaClasspath } from '../../src/local/kafka-runtime';
import { ADMIN_USER, adminCredentials } from '../../src/local/cluster';
import { loadModel } from '../../src/model';
import type { Model } from '../../src/model/types';
import { synthesize } from '../../src/stacks/synth';
import type { LocalPlatform } from './support';

/** Synthesize the example fleet into a temporary folder and deploy it (no changes when it is deployed already). */
export async function ensureFleetDeployed(platform: LocalPlatform): Promise<Model> {
  const model = loadModel({ env: platform.env.name });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-verify-synth-'));
  try {
    synthesize(model, outdir);
    await deploy({ model, outdir, cli: platform.cli, secrets: platform.secrets });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  return model;
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
      const { password } = adminCredentials(this.platform.secrets, cluster);
      const props = path.join(dir, 'admin.properties');
      fs.writeFileSync(
        props,
        [
          'security.protocol=SASL_PLAINTEXT',
          'sasl.mechanism=SCRAM-SHA-512',
          `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${ADMIN_USER}" password="${password}";`,
        ].join('\n') + '\n',
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
        this.platform.brokers(cluster).join(','),
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
  addScramCredential(cluster: string, user: string, password: string): void {
    this.run(cluster, ['--alter', '--add-config-file', '{file}', '--entity-type', 'users', '--entity-name', user], {
      name: 'scram.properties',
      content: `SCRAM-SHA-512=iterations=8192,password=${password}\n`,
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
