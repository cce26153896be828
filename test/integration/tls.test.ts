/**
 * SASL_SSL end to end, on real brokers:
 *
 *   1. the local environment's `dedicated` cluster speaks SCRAM over TLS only: our clients log in with the CA from
 *      the secret source, a plain-TCP client gets no answer, and Kafka's own Java AdminClient (TopicCommand) logs
 *      in over SASL_SSL with the properties we give the Java tools;
 *   2. a wrong CA is refused, by kafkajs (with a hint that says what is wrong and where the CA comes from), by
 *      deploy's preflight (nothing planned or applied) and by the provider in a real `terraform plan`;
 *   3. hostname verification is on: a throwaway cluster (ports 17492/17493) whose broker certificate is signed by
 *      the right CA but names another host is refused by kafkajs and by the provider, while a client that skips
 *      hostname verification connects (the negative control: only the name is wrong, so a client that skipped
 *      the check would pass — ours do not);
 *   4. mTLS: a throwaway cluster (ports 17496/17497) that requires a client certificate accepts ours (made by
 *      `local up`, from the secret source) for kafkajs and the provider, and refuses the right password without it.
 *
 * Full deploy + verify over SASL_SSL is what every suite that deploys the local fleet does (finbank lives on the
 * dedicated cluster); this file proves the refusals.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka } from 'kafkajs';
import { kafkaClient, loginAnswer, tlsFailureCode, tlsHint } from '../../src/kafka/client';
import { ensureKafkaLibs, kafkaClasspath } from '../../src/local/kafka-runtime';
import { down, reset, up } from '../../src/local/cluster';
import { issueCertificate, LOCAL_BROKER_SANS } from '../../src/local/tls';
import { operatorTopicLister } from '../../src/pipeline/live-topics';
import { clusterEndpoint, javaClientProperties } from '../../src/platform/connection';
import { adminCredentials } from '../../src/platform/identities';
import { loadModel } from '../../src/model';
import { loadEnvironment, type Environment } from '../../src/model/environment';
import { secretNames, secretSourceFor, type SecretSource } from '../../src/secrets';
import { synthesize } from '../../src/stacks/synth';
import { readyToolchain, StackRunner } from '../../src/terraform/runner';
import {
  type LocalPlatform,
  requireLocalPlatform,
  savedLocalDirs,
  startThrowawayCluster,
  writeThrowawayEnvironment,
  ensurePlatformDeployed,
} from './support';
import type { TerraformCli } from '../../src/toolchain/toolchain';

jest.setTimeout(600_000);

const CLUSTER = 'dedicated';

/** A secret source that answers `overrides` first and the real source for everything else. */
function overriding(base: SecretSource, overrides: Record<string, string>): SecretSource {
  return {
    get: (name) => overrides[name] ?? base.get(name),
    getOrCreate: async (name) => overrides[name] ?? base.getOrCreate(name),
  };
}

/** A CA of nobody's: same shape as the local one, different key. */
function strangerCa(dir: string): string {
  const res = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', 'stranger.key', '-out', 'stranger.pem'],
    { cwd: dir, encoding: 'utf8', input: '', env: { ...process.env, OPENSSL_CONF: '/dev/null' }, timeout: 60_000 },
  );
  if (res.status !== 0) {
    // some openssl builds want a subject when there is no config
    const again = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=stranger CA',
        '-keyout',
        'stranger.key',
        '-out',
        'stranger.pem',
      ],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    if (again.status !== 0) throw new Error(`openssl failed: ${again.stderr}`);
  }
  return fs.readFileSync(path.join(dir, 'stranger.pem'), 'utf8');
}

/**
 * A stack that only reads the cluster's topic list (`data "kafka_topics"`) with the provider configuration of a
 * synthesized stack: a plan must connect (a stack without state need not), so it shows what the provider thinks
 * of the broker's certificate. State in `dir`, never the fleet's.
 */
function providerProbe(synthStackDir: string, dir: string): string {
  const stack = JSON.parse(fs.readFileSync(path.join(synthStackDir, 'cdk.tf.json'), 'utf8')) as {
    terraform: { required_providers: unknown };
    provider: unknown;
    variable?: Record<string, unknown>;
  };
  const keep = Object.fromEntries(
    Object.entries(stack.variable ?? {}).filter(
      ([n]) => /^(admin|deployer)_password_/.test(n) || n.startsWith('tls_') || n === 'kafka_user',
    ),
  );
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'cdk.tf.json'),
    JSON.stringify({
      terraform: {
        required_providers: stack.terraform.required_providers,
        backend: { local: { path: path.join(dir, 'probe.tfstate') } },
      },
      provider: stack.provider,
      variable: keep,
      data: { kafka_topics: { all: {} } },
    }),
  );
  return dir;
}

async function planError(
  dir: string,
  cli: TerraformCli,
  secrets: SecretSource,
  planOnly = true,
): Promise<Error | undefined> {
  // plan-only: as the planner; otherwise as the stack's own login (the admin, for the platform stack)
  const runner = new StackRunner(dir, cli, secrets, { planOnly, timeoutMs: 180_000 });
  await runner.init();
  return runner.plan().then(
    () => undefined,
    (e: unknown) => e as Error,
  );
}

describe('SASL_SSL on the local dedicated cluster', () => {
  let platform: LocalPlatform;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-tls-'));
  fs.chmodSync(work, 0o700);

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    // the platform stack makes the operators (deployer, planner) that tenant deploys and plans log in as
    await ensurePlatformDeployed(platform);
    expect(platform.env.clusters[CLUSTER]!.security.protocol).toBe('SASL_SSL');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('logs in with the CA from the secret source, and a plain-TCP client gets no login', async () => {
    const endpoint = platform.brokers(CLUSTER);
    expect(endpoint.tls?.ca).toContain('BEGIN CERTIFICATE');
    const admin = adminCredentials(platform.secrets, CLUSTER);
    expect(await loginAnswer(endpoint, admin)).toBe('ok');
    // the same address and password over plain TCP: the broker expects a TLS handshake, no SASL exchange happens
    const plain = await loginAnswer(endpoint.bootstrapServers, admin, 8000);
    expect(plain).not.toBe('ok');
    expect(plain).not.toBe('SASL_AUTHENTICATION_FAILED');
  });

  it("is what Kafka's own Java AdminClient logs in to over SASL_SSL (TopicCommand --list)", () => {
    const endpoint = platform.brokers(CLUSTER);
    const dir = fs.mkdtempSync(path.join(work, 'java-'));
    const props = path.join(dir, 'admin.properties');
    const lines = javaClientProperties(endpoint, adminCredentials(platform.secrets, CLUSTER), dir);
    expect(lines).toEqual(
      expect.arrayContaining(['security.protocol=SASL_SSL', 'ssl.endpoint.identification.algorithm=https']),
    );
    fs.writeFileSync(props, lines.join('\n') + '\n', { mode: 0o600 });
    const res = spawnSync(
      'java',
      [
        '-Xmx256m',
        '-cp',
        kafkaClasspath(ensureKafkaLibs()),
        'org.apache.kafka.tools.TopicCommand',
        '--bootstrap-server',
        endpoint.bootstrapServers.join(','),
        '--command-config',
        props,
        '--list',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(res.stderr).not.toMatch(/SSLHandshakeException|PKIX/);
    expect(res.status).toBe(0);
    // finbank (dedicated tier) has its topics there once the fleet is deployed; at least the internal ones exist
    expect(res.stdout.trim().length).toBeGreaterThan(0);
  });

  describe('a wrong CA', () => {
    let wrong: SecretSource;
    beforeAll(() => {
      wrong = overriding(platform.secrets, { [secretNames.tlsCa(CLUSTER)]: strangerCa(work) });
    });

    it('is refused by kafkajs, with a hint that says what is wrong and where the CA comes from', async () => {
      const endpoint = clusterEndpoint(platform.env, CLUSTER, wrong);
      const admin = kafkaClient(endpoint, adminCredentials(wrong, CLUSTER), {
        retries: 0,
        connectionTimeoutMs: 5000,
      }).admin();
      const err = await admin.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      await admin.disconnect().catch(() => undefined);
      expect(err).toBeDefined();
      expect([
        'SELF_SIGNED_CERT_IN_CHAIN',
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      ]).toContain(tlsFailureCode(err));
      expect(tlsHint(err, CLUSTER)).toMatch(/TLS refused .*tlsca\/dedicated/);
    });

    it("fails deploy's preflight naming TLS, before anything is planned", async () => {
      const list = operatorTopicLister(platform.env, wrong, 'admin');
      const err = await list(CLUSTER).then(
        () => undefined,
        (e: unknown) => e as Error & { hint?: string },
      );
      expect(err?.message).toMatch(/cannot list the topics of cluster "dedicated".*nothing was planned or applied/s);
      expect(err?.hint).toMatch(/TLS refused/);
    });

    it('is refused by the provider in a real terraform plan (x509), which passes with the right CA', async () => {
      const model = loadModel({ env: 'local' });
      const finbank = model.tenants.find((t) => t.cluster === CLUSTER);
      expect(finbank).toBeDefined();
      const out = path.join(work, 'out');
      synthesize(model, out, { only: [finbank!.id] });
      const probe = providerProbe(path.join(out, 'stacks', finbank!.id), path.join(work, 'probe'));
      expect(await planError(probe, platform.cli, platform.secrets)).toBeUndefined(); // positive control
      const err = await planError(probe, platform.cli, wrong);
      expect(err?.message).toMatch(/x509: certificate signed by unknown authority/);
    });
  });
});

describe('hostname verification (throwaway SASL_SSL cluster whose certificate names another host)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-tls-host-'));
  const saved = savedLocalDirs();
  let env: Environment | undefined;
  let secrets: SecretSource;
  let upError: unknown;

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    writeThrowawayEnvironment(root, {
      name: 'tlshost',
      cluster: 'wrongname',
      clientPort: 17492,
      controllerPort: 17493,
      security: { protocol: 'SASL_SSL', caCertificate: 'secret' },
    });
    process.env.KAFKA_TENANCY_LOCAL_DIR = path.join(root, '.local');
    process.env.KAFKA_TENANCY_STATE_DIR = path.join(root, 'state');
    env = loadEnvironment('tlshost', root);
    await reset(env);
    // signed by the environment's CA, but for another host: everything checks out except the name
    issueCertificate(env.name, 'broker-wrongname', ['DNS:wrong.example']);
    secrets = secretSourceFor(env);
    // `local up` starts the broker, and its own (verifying) client refuses the certificate: it says so at once
    upError = await up(env, { readyTimeoutMs: 120_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
  }, 300_000);

  afterAll(async () => {
    if (env) await down(env).catch(() => undefined);
    saved.restore();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('the harness used the certificate without our SANs, and `local up` refuses it naming the hostname check', () => {
    expect(LOCAL_BROKER_SANS).toContain('IP:127.0.0.1');
    const pem = path.join(root, '.local', 'tls', 'tlshost', 'broker-wrongname.pem');
    const text = spawnSync('openssl', ['x509', '-in', pem, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    expect(text.stdout).toContain('wrong.example');
    expect(text.stdout).not.toContain('127.0.0.1');
    expect(String((upError as Error | undefined)?.message)).toMatch(
      /answers, but its TLS certificate is refused \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
    expect((upError as { hint?: string }).hint).toMatch(/does not name the address/);
  });

  it('is refused by our kafkajs client: ERR_TLS_CERT_ALTNAME_INVALID, with the hint', async () => {
    const endpoint = clusterEndpoint(env!, 'wrongname', secrets);
    const admin = kafkaClient(endpoint, adminCredentials(secrets, 'wrongname'), { retries: 0 }).admin();
    const err = await admin.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await admin.disconnect().catch(() => undefined);
    expect(tlsFailureCode(err)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(tlsHint(err, 'wrongname')).toMatch(/does not name the address/);
  });

  it('negative control: a client that skips hostname verification connects (so the refusal above is the name)', async () => {
    const endpoint = clusterEndpoint(env!, 'wrongname', secrets);
    const kafka = new Kafka({
      brokers: [...endpoint.bootstrapServers],
      ssl: { ca: endpoint.tls!.ca, rejectUnauthorized: true, checkServerIdentity: () => undefined },
      sasl: { mechanism: 'scram-sha-512', ...adminCredentials(secrets, 'wrongname') },
      retry: { retries: 5 },
      connectionTimeout: 5000,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      expect((await admin.describeCluster()).brokers.length).toBe(1);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  });

  it('is refused by the provider in a real terraform plan (x509: the certificate does not name 127.0.0.1)', async () => {
    const model = loadModel({ env: 'tlshost', root });
    const out = path.join(root, 'out');
    synthesize(model, out, { only: ['platform'] });
    const probe = providerProbe(path.join(out, 'stacks', 'platform'), path.join(root, 'probe'));
    // as the admin: the platform stack that would create the planner never ran here (TLS refuses it)
    const err = await planError(probe, readyToolchain(), secrets, false);
    // Go's wording: the certificate has DNS SANs only, so an IP address cannot match it
    expect(err?.message).toMatch(
      /x509: (certificate is valid for wrong\.example, not 127\.0\.0\.1|cannot validate certificate for 127\.0\.0\.1 because it doesn't contain any IP SANs)/,
    );
  });
});

describe('mTLS (throwaway SASL_SSL cluster that requires a client certificate)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-mtls-'));
  const saved = savedLocalDirs();
  let env: Environment | undefined;
  let secrets: SecretSource;

  beforeAll(async () => {
    env = await startThrowawayCluster(root, {
      name: 'mtls',
      cluster: 'certified',
      clientPort: 17496,
      controllerPort: 17497,
      localDir: path.join(root, '.local'),
      stateDir: path.join(root, 'state'),
      security: { protocol: 'SASL_SSL', caCertificate: 'secret', clientCertificate: true },
    });
    secrets = secretSourceFor(env);
  }, 300_000);

  afterAll(async () => {
    if (env) await down(env).catch(() => undefined);
    saved.restore();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('logs in with the client certificate from the secret source (local up made one)', async () => {
    const endpoint = clusterEndpoint(env!, 'certified', secrets);
    expect(endpoint.tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(endpoint.tls?.key).toContain('PRIVATE KEY');
    expect(await loginAnswer(endpoint, adminCredentials(secrets, 'certified'))).toBe('ok');
  });

  it('refuses the right password without a client certificate (negative control)', async () => {
    const { bootstrapServers, tls } = clusterEndpoint(env!, 'certified', secrets);
    const answer = await loginAnswer(
      { bootstrapServers, tls: { ca: tls!.ca } },
      adminCredentials(secrets, 'certified'),
      8000,
    );
    expect(answer).not.toBe('ok');
  });

  it('deploys the platform stack through the provider with the client certificate (mTLS + SCRAM)', async () => {
    const model = loadModel({ env: 'mtls', root });
    const out = path.join(root, 'out');
    synthesize(model, out, { only: ['platform'] });
    const stack = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'platform', 'cdk.tf.json'), 'utf8')) as {
      provider: { kafka: Array<Record<string, unknown>> };
      variable: Record<string, { sensitive?: boolean; ephemeral?: boolean }>;
    };
    expect(stack.provider.kafka[0]).toMatchObject({
      client_cert: '${var.tls_client_cert_certified}',
      client_key: '${var.tls_client_key_certified}',
    });
    expect(stack.variable.tls_client_key_certified).toMatchObject({ sensitive: true, ephemeral: true });
    const runner = new StackRunner(path.join(out, 'stacks', 'platform'), readyToolchain(), secrets, {
      timeoutMs: 180_000,
    });
    await runner.init();
    expect(await runner.plan()).toBe('changes');
    await runner.apply();
    const admin = kafkaClient(
      clusterEndpoint(env!, 'certified', secrets),
      adminCredentials(secrets, 'certified'),
    ).admin();
    try {
      await admin.connect();
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(model.platform.topics.map((t) => t.name)));
    } finally {
      await admin.disconnect();
    }
  });
});
