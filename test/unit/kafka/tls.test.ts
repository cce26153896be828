/**
 * What we ship never skips TLS verification: kafkajs gets `rejectUnauthorized: true` and no `checkServerIdentity`
 * of ours (so Node's hostname check runs), the provider gets `skip_tls_verify = false`, and no file of src/ holds
 * a switch that turns either off. The integration test (test/integration/tls.test.ts) shows on a real broker that
 * a client which skipped the hostname check would connect where ours are refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  isTlsFailureCode,
  kafkaClient,
  kafkaErrorType,
  tlsFailureCode,
  tlsHint,
  tlsOptions,
} from '../../../src/kafka/client';
import { environmentWarnings, isLoopback } from '../../../src/model/rules/environment';

const SRC = path.resolve(__dirname, '../../../src');
const files = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));

describe('TLS of our clients', () => {
  it('pins verification on: rejectUnauthorized true, no checkServerIdentity override', () => {
    const opts = tlsOptions({ ca: 'PEM' });
    expect(opts).toEqual({ rejectUnauthorized: true, ca: 'PEM' });
    expect('checkServerIdentity' in opts).toBe(false);
    // kafkajs keeps the ssl options it was given
    const kafka = kafkaClient(
      { bootstrapServers: ['127.0.0.1:1'], tls: { ca: 'PEM' } },
      { username: 'u', password: 'p' },
    );
    expect(kafka).toBeDefined();
  });

  it('has no switch in src/ that turns certificate or hostname verification off', () => {
    const offenders = files(SRC)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ f, i, line }))
          .filter(({ line }) =>
            /rejectUnauthorized:\s*false|checkServerIdentity\s*[:=]|skipTlsVerify:\s*true|NODE_TLS_REJECT_UNAUTHORIZED|ssl\.endpoint\.identification\.algorithm=(?!https)/.test(
              line,
            ),
          )
          .map(({ f, i, line }) => `${path.relative(SRC, f)}:${i + 1}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('names TLS verification failures, wrapped or not, and says where the CA comes from', () => {
    const wrapped = {
      name: 'KafkaJSNumberOfRetriesExceeded',
      originalError: { name: 'KafkaJSConnectionError', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'Connection error' },
    };
    expect(tlsFailureCode(wrapped)).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(kafkaErrorType(wrapped)).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(
      tlsFailureCode(
        new Error("Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list"),
      ),
    ).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(tlsHint(wrapped, 'dedicated')).toMatch(/tlsca\/dedicated/);
    expect(tlsHint(new Error('ECONNREFUSED'), 'dedicated')).toBeUndefined();
    expect([isTlsFailureCode('ERR_TLS_CERT_ALTNAME_INVALID'), isTlsFailureCode('SASL_AUTHENTICATION_FAILED')]).toEqual([
      true,
      false,
    ]);
    expect(kafkaErrorType({ type: 'TOPIC_AUTHORIZATION_FAILED' })).toBe('TOPIC_AUTHORIZATION_FAILED');
  });
});

describe('SASL_PLAINTEXT outside loopback', () => {
  const env = (protocol: string, servers: string[]) => ({
    clusters: {
      prod: { dedicated: false, bootstrapServers: servers, brokers: 3, replicationFactor: 3, security: { protocol } },
    },
    sharedCluster: 'prod',
    sharedTopics: [],
    retiredSharedTopics: [],
    platformConsumers: [],
    tierDefaults: {},
  });

  it('warns for a network address, naming the field and the fix', () => {
    const [w, ...rest] = environmentWarnings(
      env('SASL_PLAINTEXT', ['127.0.0.1:9092', 'kafka-1.prod:9092']),
      'environments/prod.yaml',
    );
    expect(rest).toEqual([]);
    expect(w).toMatchObject({ path: 'clusters.prod.bootstrapServers[1]', code: 'plaintext_network' });
    expect(w!.message).toMatch(/SASL_SSL/);
  });

  it('is quiet for loopback and for SASL_SSL', () => {
    expect(environmentWarnings(env('SASL_PLAINTEXT', ['127.0.0.1:19092', 'localhost:1']), 'f')).toEqual([]);
    expect(environmentWarnings(env('SASL_SSL', ['kafka-1.prod:9093']), 'f')).toEqual([]);
    expect([isLoopback('[::1]:9092'), isLoopback('127.1.2.3:1'), isLoopback('10.0.0.1:9092')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
