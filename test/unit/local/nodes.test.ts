import * as path from 'node:path';
import { initialControllers, localClusters } from '../../../src/local/cluster';
import { loadEnvironment } from '../../../src/model/environment';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('local cluster nodes', () => {
  const saved = process.env.KAFKA_TENANCY_LOCAL_DIR;
  beforeAll(() => (process.env.KAFKA_TENANCY_LOCAL_DIR = '/tmp/kt-nodes-unit'));
  afterAll(() => {
    if (saved === undefined) delete process.env.KAFKA_TENANCY_LOCAL_DIR;
    else process.env.KAFKA_TENANCY_LOCAL_DIR = saved;
  });

  it('gives node i of a three-broker cluster clientPort + i - 1, controllerPort + i - 1 and a folder of its own', () => {
    const shared = localClusters(loadEnvironment('local-ha', ROOT)).find((c) => c.name === 'shared')!;
    expect(shared.nodes.map((n) => [n.id, n.clientPort, n.controllerPort])).toEqual([
      [1, 24092, 24192],
      [2, 24093, 24193],
      [3, 24094, 24194],
    ]);
    const dirs = shared.nodes.map((n) => path.relative(shared.dir, n.dir));
    expect(dirs).toEqual(['node-1', 'node-2', 'node-3']);
    for (const n of shared.nodes) {
      for (const f of [n.dataDir, n.logFile, n.pidFile, n.propsFile]) expect(f.startsWith(n.dir + path.sep)).toBe(true);
    }
    // the cluster's own paths are its first node's (what single-node callers read)
    expect(shared.pidFile).toBe(shared.nodes[0]!.pidFile);
  });

  it('keeps the single-broker layout a one-node cluster always had', () => {
    const dedicated = localClusters(loadEnvironment('local-ha', ROOT)).find((c) => c.name === 'dedicated')!;
    expect(dedicated.nodes).toHaveLength(1);
    expect(dedicated.nodes[0]).toMatchObject({ id: 1, dir: dedicated.dir, clientPort: 25092, controllerPort: 25093 });
    expect(dedicated.pidFile).toBe(path.join(dedicated.dir, 'kafka.pid'));
    expect(dedicated.dataDir).toBe(path.join(dedicated.dir, 'data'));
  });

  it('formats every node of a multi-node cluster as a voter, each with its own directory id', () => {
    const voters = initialControllers([
      { id: 1, controllerPort: 24192 },
      { id: 2, controllerPort: 24193 },
      { id: 3, controllerPort: 24194 },
    ]).split(',');
    expect(voters.map((v) => v.replace(/:[A-Za-z0-9_-]{22}$/, ''))).toEqual([
      '1@127.0.0.1:24192',
      '2@127.0.0.1:24193',
      '3@127.0.0.1:24194',
    ]);
    expect(new Set(voters.map((v) => v.slice(-22))).size).toBe(3);
    expect(voters.every((v) => !v.slice(-22).startsWith('-'))).toBe(true);
  });
});
