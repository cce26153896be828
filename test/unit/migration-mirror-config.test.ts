/**
 * The mm2.properties of one tenant's move (src/migration/mirror-config.ts): what it copies, how it logs in, and
 * that Java's Properties reader gets back exactly the values we meant (a regex's backslash survives).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  mirrorMakerProperties,
  type MirrorMakerPropertiesOptions,
  propertiesValue,
  regexEscape,
} from '../../src/migration/mirror-config';

const BASE: MirrorMakerPropertiesOptions = {
  tenant: 'acme',
  topics: ['acme.orders', 'acme.invoices', 'acme.events'],
  groupPrefix: 'acme.',
  source: {
    bootstrapServers: ['127.0.0.1:19092'],
    clientProperties: [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="s3cr\\t";',
    ],
  },
  target: {
    bootstrapServers: ['127.0.0.1:29092', '127.0.0.1:29093'],
    clientProperties: [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'ssl.truststore.type=PEM',
      'ssl.truststore.location=/tmp/x/ca.pem',
    ],
    replicationFactor: 3,
  },
  restPort: 18792,
};

/** The file as java.util.Properties would read it, minus Java: enough of its escape rules for our output. */
function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    let key = '';
    let i = 0;
    for (; i < line.length && line[i] !== '='; i++) {
      if (line[i] === '\\') i++;
      key += line[i];
    }
    const raw = line.slice(i + 1);
    const value = raw.replace(/\\(u[0-9a-f]{4}|.)/g, (_, c: string) =>
      c.length === 5
        ? String.fromCharCode(parseInt(c.slice(1), 16))
        : (({ n: '\n', r: '\r', t: '\t', f: '\f' } as Record<string, string>)[c] ?? c),
    );
    out.set(key, value);
  }
  return out;
}

describe('mirrorMakerProperties', () => {
  const props = parseProperties(mirrorMakerProperties(BASE));

  it('enables exactly one flow, source to target', () => {
    expect(props.get('clusters')).toBe('source, target');
    expect(props.get('source->target.enabled')).toBe('true');
    expect(props.get('target->source.enabled')).toBe('false');
  });

  it("copies exactly the tenant's topics, by escaped name, not by prefix", () => {
    const topics = new RegExp(`^(?:${props.get('topics')})$`);
    expect(props.get('topics')).toBe('acme\\.events|acme\\.invoices|acme\\.orders');
    for (const t of BASE.topics) expect(topics.test(t)).toBe(true);
    for (const t of ['acmeXorders', 'acme.orders2', 'acme.retired', 'globex.orders', 'heartbeats'])
      expect(topics.test(t)).toBe(false);
    expect(props.get('heartbeats.replication.enabled')).toBe('false');
  });

  it("translates the tenant's groups only (escaped prefix)", () => {
    const groups = new RegExp(`^(?:${props.get('groups')})$`);
    expect(groups.test('acme.billing')).toBe(true);
    expect(groups.test('acmeXbilling')).toBe(false);
    expect(groups.test('globex.billing')).toBe(false);
  });

  it('keeps topic names and leaves topics, configs and ACLs to terraform', () => {
    expect(props.get('replication.policy.class')).toBe('org.apache.kafka.connect.mirror.IdentityReplicationPolicy');
    expect(props.get('sync.topic.configs.enabled')).toBe('false');
    expect(props.get('sync.topic.acls.enabled')).toBe('false');
    expect(props.get('emit.heartbeats.enabled')).toBe('false');
  });

  it('copies exactly once: transactional target, read_committed source, internal REST on loopback', () => {
    expect(props.get('target.exactly.once.source.support')).toBe('enabled');
    // not `exactly.once.support=required`: it applies to all three connectors, two of which cannot pass it
    expect(props.has('source->target.exactly.once.support')).toBe(false);
    expect(props.get('source.consumer.isolation.level')).toBe('read_committed');
    expect(props.get('dedicated.mode.enable.internal.rest')).toBe('true');
    expect(props.get('listeners')).toBe('http://127.0.0.1:18792');
  });

  it('syncs group offsets often, with an offset sync for every record', () => {
    expect(props.get('emit.checkpoints.enabled')).toBe('true');
    expect(props.get('sync.group.offsets.enabled')).toBe('true');
    expect(Number(props.get('emit.checkpoints.interval.seconds'))).toBeLessThanOrEqual(5);
    expect(Number(props.get('sync.group.offsets.interval.seconds'))).toBeLessThanOrEqual(5);
    expect(props.get('offset.lag.max')).toBe('0');
  });

  it("creates every internal topic with the target's replication factor", () => {
    for (const k of [
      'config.storage.replication.factor',
      'offset.storage.replication.factor',
      'status.storage.replication.factor',
      'replication.factor',
      'checkpoints.topic.replication.factor',
      'heartbeats.topic.replication.factor',
      'offset-syncs.topic.replication.factor',
    ]) {
      expect([k, props.get(k)]).toEqual([k, '3']);
    }
  });

  it("names its Connect group and topics after the tenant, so two tenants' moves never share a worker", () => {
    expect(props.get('target.group.id')).toBe('mm2-acme');
    expect(props.get('status.storage.topic')).toBe('mm2-status.acme.internal');
    expect(props.get('offset.storage.topic')).toBe('mm2-offsets.acme.internal');
    expect(props.get('config.storage.topic')).toBe('mm2-configs.acme.internal');
    expect(props.get('offset-syncs.topic.location')).toBe('target');
  });

  it('logs in to each cluster with its own client settings under its alias prefix', () => {
    expect(props.get('source.bootstrap.servers')).toBe('127.0.0.1:19092');
    expect(props.get('target.bootstrap.servers')).toBe('127.0.0.1:29092,127.0.0.1:29093');
    expect(props.get('source.security.protocol')).toBe('SASL_PLAINTEXT');
    expect(props.get('target.security.protocol')).toBe('SASL_SSL');
    expect(props.get('target.ssl.truststore.location')).toBe('/tmp/x/ca.pem');
    // the password's backslash survives the Properties reader
    expect(props.get('source.sasl.jaas.config')).toContain('password="s3cr\\t";');
  });

  it('lets extra settings override ours (tuning), and refuses an empty topic list or group prefix', () => {
    const p = parseProperties(mirrorMakerProperties({ ...BASE, extra: { 'source.consumer.max.poll.records': '20' } }));
    expect(p.get('source.consumer.max.poll.records')).toBe('20');
    expect(() => mirrorMakerProperties({ ...BASE, topics: [] })).toThrow(/no topics/);
    expect(() => mirrorMakerProperties({ ...BASE, groupPrefix: '' })).toThrow(/every group/);
  });
});

describe('regexEscape and propertiesValue', () => {
  it('escapes every regex metacharacter', () => {
    const s = 'a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o-p';
    expect(new RegExp(`^${regexEscape(s)}$`).test(s)).toBe(true);
    expect(new RegExp(`^${regexEscape('a.b')}$`).test('axb')).toBe(false);
  });

  it('escapes backslashes, control characters, a leading space and non-ASCII', () => {
    expect(propertiesValue('a\\.b')).toBe('a\\\\.b');
    expect(propertiesValue(' x\ny')).toBe('\\ x\\ny');
    expect(propertiesValue('é')).toBe('\\u00e9');
  });

  const java = spawnSync('java', ['-version']).status === 0;
  (java ? it : it.skip)('round-trips through java.util.Properties itself', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-props-'));
    try {
      const value = ' lead\\ing=x:y#z!é\tend';
      fs.writeFileSync(path.join(dir, 'p.properties'), `k=${propertiesValue(value)}\n`);
      fs.writeFileSync(
        path.join(dir, 'P.java'),
        'public class P { public static void main(String[] a) throws Exception { var p = new java.util.Properties(); ' +
          'try (var in = new java.io.FileInputStream(a[0])) { p.load(in); } ' +
          'System.out.print(java.util.HexFormat.of().formatHex(p.getProperty("k").getBytes("UTF-8"))); } }',
      );
      const res = spawnSync('java', [path.join(dir, 'P.java'), path.join(dir, 'p.properties')], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(res.stderr).toBe('');
      expect(Buffer.from(res.stdout, 'hex').toString('utf8')).toBe(value);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
