/**
 * Aborting a move between clusters before done (issue 14, item 4: `migrate --abort` returns to the source), through
 * the built CLI on two clusters of the test's own (shared 19492/19493, dedicated over SASL_SSL 19592/19593):
 *
 *   1. acme (topic-per-tenant) writes records; its file moves it to the dedicated cluster (`state: copying`), deploy,
 *      `migrate acme start`, MirrorMaker copies;
 *   2. `migrate acme cutover` is refused while the file says copying (the source still takes writes);
 *   3. `migrate acme abort` stops MirrorMaker and deletes its topics; `state: aborted` + deploy deletes the copies
 *      on the target and revokes the credentials there;
 *   4. verify passes: acme works on the source exactly as before (its records all there, it can write again), it
 *      cannot log in on the target, no topic of it is left there.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { kafkaClient, loginAnswer } from '../../src/kafka/client';
import { withDeadline } from '../../src/kafka/deadline';
import { down } from '../../src/local/cluster';
import { loadEnvironment, type Environment } from '../../src/model/environment';
import { clusterEndpoint } from '../../src/platform/connection';
import { adminCredentials } from '../../src/platform/identities';
import { secretSourceFor } from '../../src/secrets';
import { expectOk, projectCli, until, verifyPasses } from './cli-support';
import { writeTwoClusterEnvironment } from './migration-support';
import { savedLocalDirs } from './support';

jest.setTimeout(1_200_000);

const ENV = 'migabort';
const PORTS = { shared: [19492, 19493], dedicated: [19592, 19593] } as const;
const RECORDS = 2000;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-migration-abort-'));
const root = path.join(work, 'project');
const localDir = path.join(work, '.local');
const stateDir = path.join(work, 'state');
const saved = savedLocalDirs();
const cli = projectCli({ env: ENV, root, localDir, stateDir });

function writeTenant(state?: string): void {
  fs.writeFileSync(
    path.join(root, 'tenants', 'acme.yaml'),
    stringifyYaml({
      id: 'acme',
      owner: 'team-acme',
      contact: 'acme@example.com',
      tier: state ? 'dedicated' : 'topic-per-tenant',
      ...(state ? { cluster: 'dedicated' } : {}),
      classification: 'internal',
      topics: [{ name: 'orders', partitions: 3 }],
      applications: [{ name: 'writer', produces: ['orders'] }],
      ...(state ? { migration: { from: { tier: 'topic-per-tenant' }, state, keepSourceData: true } } : {}),
    }),
  );
}

describe('aborting a move between clusters before done', () => {
  let env: Environment;

  beforeAll(() => {
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    writeTwoClusterEnvironment(root, ENV, PORTS);
    writeTenant();
    process.env.KAFKA_TENANCY_LOCAL_DIR = localDir;
    process.env.KAFKA_TENANCY_STATE_DIR = stateDir;
    env = loadEnvironment(ENV, root);
  });

  afterAll(async () => {
    await cli(['migrate', 'acme', 'stop'], 60_000).catch(() => undefined);
    if (env) await down(env);
    saved.restore();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('returns the tenant to its source: copies deleted, target credentials revoked, the source whole', async () => {
    expectOk('local up', await cli(['local', 'up'], 300_000));
    expectOk('deploy', await cli(['deploy']));
    const secrets = secretSourceFor(env);
    const writer = { username: 'acme.writer', password: secrets.get('scram/acme.writer')! };
    const sourceEnd = async () => {
      const a = kafkaClient(clusterEndpoint(env, 'shared', secrets), adminCredentials(secrets, 'shared')).admin();
      await a.connect();
      try {
        return (await a.fetchTopicOffsets('acme.orders')).reduce((n, o) => n + Number(o.high), 0);
      } finally {
        await a.disconnect();
      }
    };
    const produce = async (n: number) => {
      const p = kafkaClient(clusterEndpoint(env, 'shared', secrets), writer).producer({ idempotent: true });
      await withDeadline(p.connect(), 30_000, 'connect');
      try {
        const messages = Array.from({ length: n }, (_, i) => ({ key: `k-${i % 31}`, value: `record ${i}` }));
        await withDeadline(p.send({ topic: 'acme.orders', acks: -1, messages }), 60_000, 'produce');
      } finally {
        await p.disconnect();
      }
    };
    await produce(RECORDS);

    writeTenant('copying');
    expectOk('deploy (copying)', await cli(['deploy']));
    expectOk('migrate start', await cli(['migrate', 'acme', 'start']));
    await until(
      'MirrorMaker copying',
      async () => ((await cli(['migrate', 'acme', 'status'])).stdout.includes('caught up: lag 0') ? true : undefined),
      300_000,
      1000,
    );

    const early = await cli(['migrate', 'acme', 'cutover']);
    expect(early.status).not.toBe(0);
    expect(early.stderr).toMatch(/migration\.state: copying; this step needs cutover/);

    const abort = expectOk('migrate abort', await cli(['migrate', 'acme', 'abort']));
    console.log(`migrate abort:\n${abort.stdout}`);
    expect(abort.stdout).toMatch(/replication (stopped|killed)/);
    writeTenant('aborted');
    const deployed = expectOk('deploy (aborted)', await cli(['deploy', '--json']));
    console.log(`deploy (aborted): ${deployed.stdout.slice(0, 600)}`);

    // the target: no topic, no login; the source: every record, and writes work again
    const target = kafkaClient(
      clusterEndpoint(env, 'dedicated', secrets),
      adminCredentials(secrets, 'dedicated'),
    ).admin();
    await target.connect();
    const left = (await target.listTopics()).filter((t) => t.startsWith('acme.') || t.startsWith('mm2-'));
    await target.disconnect();
    expect(left).toEqual([]);
    expect(await loginAnswer(clusterEndpoint(env, 'dedicated', secrets), writer)).toBe('SASL_AUTHENTICATION_FAILED');
    expect(await sourceEnd()).toBeGreaterThanOrEqual(RECORDS);
    const before = await sourceEnd();
    await produce(10);
    expect(await sourceEnd()).toBe(before + 10);
    await verifyPasses(cli, 'aborted');
  });
});
