/**
 * The local cluster manager on a throwaway third cluster (its own ports, its own .local dir): start is
 * idempotent, down stops exactly our process, status tells the truth, and bad state gets a clear message
 * that `reset` recovers from.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { loadEnvironment, Environment } from '../../src/model/environment';
import { down, localClusters, reset, status, up } from '../../src/local/cluster';
import { secretNames, secretSourceFor } from '../../src/secrets';

jest.setTimeout(240_000);

// Below the ephemeral range (32768-60999): a port in it can be taken at any moment by an outgoing connection.
const CLIENT_PORT = 17092;
const CONTROLLER_PORT = 17093;

describe('kafka-tenancy local (cluster manager)', () => {
  const savedLocalDir = process.env.KAFKA_TENANCY_LOCAL_DIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-local-'));
  const base = loadEnvironment('local');
  const env: Environment = {
    ...base,
    name: 'lcmtest',
    clusters: {
      solo: {
        ...base.clusters.shared,
        bootstrapServers: [`127.0.0.1:${CLIENT_PORT}`],
        local: {
          ...base.clusters.shared.local!,
          clientPort: CLIENT_PORT,
          controllerPort: CONTROLLER_PORT,
          heapMb: 256,
        },
      },
    },
    sharedCluster: 'solo',
  };

  beforeAll(() => {
    process.env.KAFKA_TENANCY_LOCAL_DIR = dir;
  });
  afterAll(async () => {
    await down(env);
    if (savedLocalDir === undefined) delete process.env.KAFKA_TENANCY_LOCAL_DIR;
    else process.env.KAFKA_TENANCY_LOCAL_DIR = savedLocalDir;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ourJavaProcesses = () =>
    spawnSync('pgrep', ['-f', localClusters(env)[0].propsFile], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);

  it('refuses to start when a port is taken, naming the port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(CONTROLLER_PORT, '127.0.0.1', () => r()));
    try {
      await expect(up(env)).rejects.toThrow(`port 127.0.0.1:${CONTROLLER_PORT} is already in use`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('refuses a half-formatted data dir and recovers after reset', async () => {
    const c = localClusters(env)[0];
    fs.mkdirSync(c.dataDir, { recursive: true });
    fs.writeFileSync(path.join(c.dataDir, 'leftover'), 'x');
    await expect(up(env)).rejects.toThrow(/never formatted[\s\S]*local reset/);
    await reset(env);
    expect(fs.existsSync(c.dataDir)).toBe(false);
  });

  it('starts the cluster and reports it running and ready', async () => {
    const st = await up(env);
    expect(st).toEqual([expect.objectContaining({ name: 'solo', state: 'running', ready: true, formatted: true })]);
    expect(ourJavaProcesses()).toHaveLength(1);
  });

  it('is harmless when run twice: same process, still ready', async () => {
    const before = (await status(env))[0].pid;
    const st = await up(env);
    expect(st[0].pid).toBe(before);
    expect(ourJavaProcesses()).toHaveLength(1);
  });

  it('writes the broker log where a failing run can print it', () => {
    expect(fs.readFileSync(localClusters(env)[0].logFile, 'utf8')).toMatch(
      /Kafka Server started|started \(kafka\.server/,
    );
  });

  it('stops exactly its own process and reports it stopped', async () => {
    await down(env);
    expect(ourJavaProcesses()).toHaveLength(0);
    expect((await status(env))[0]).toMatchObject({ state: 'stopped', ready: false });
  });

  it('clears a stale pid file on the next start', async () => {
    const c = localClusters(env)[0];
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    fs.writeFileSync(c.pidFile, dead);
    expect((await status(env))[0].state).toBe('stale-pid');
    const logs: string[] = [];
    const st = await up(env, { log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/stale pid file/);
    expect(st[0]).toMatchObject({ state: 'running', ready: true });
    await down(env);
  });

  it('never puts the admin password on a command line (ps sampled every 50 ms during reset and up)', async () => {
    await reset(env);
    const seenFile = path.join(dir, 'ps-samples.txt');
    // A separate process: `up` formats with a blocking spawn, so an in-process timer would not run meanwhile.
    const sampler = spawn(
      'sh',
      ['-c', `i=0; while [ $i -lt 2400 ]; do ps -eo args >> '${seenFile}'; sleep 0.05; i=$((i+1)); done`],
      { stdio: 'ignore' },
    );
    try {
      await up(env);
    } finally {
      sampler.kill();
    }
    const seen = fs.readFileSync(seenFile, 'utf8');
    const password = secretSourceFor(env).get(secretNames.admin('solo'))!;
    // The sampler did see the formatting and the broker (so the last assertion can fail) ...
    expect(seen).toMatch(/java @\S*format\.args/);
    expect(seen).toContain(localClusters(env)[0].propsFile);
    // ... and never the password.
    expect(password.length).toBeGreaterThan(16);
    expect(seen.includes(password)).toBe(false);
    expect(fs.existsSync(path.join(localClusters(env)[0].dir, 'format.args'))).toBe(false);
    await down(env);
  });
});
