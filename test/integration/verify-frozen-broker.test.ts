/**
 * `verify` against a broker that stops answering (issue 9, item 3): a frozen broker process (SIGSTOP) accepts TCP
 * connections into its backlog and never answers, the worst case for timeouts. Verify must notice the cluster is
 * gone, end its remaining checks as `error` at once instead of timing each out, report the cluster once with the
 * hint, and never pass.
 *
 * Runs on its own throwaway single-broker cluster (own ports, own .local folder and state), never on the shared
 * local clusters other tests use. The broker is continued and stopped in `afterAll` whatever happens. The run's
 * duration is printed as a figure; the ≤ 60 s target is not asserted (loaded machines), the jest timeout is the
 * only clock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { deploy } from '../../src/pipeline/deploy';
import { readyToolchain } from '../../src/terraform/runner';
import { down, status } from '../../src/local/cluster';
import { loadModel } from '../../src/model';
import type { Environment } from '../../src/model/environment';
import type { Model } from '../../src/model/types';
import { type SecretSource, secretSourceFor } from '../../src/secrets';
import { synthesize } from '../../src/stacks/synth';
import { type VerificationReport, type VerifyOptions, headline, resultRows, runVerification } from '../../src/verify';
import { answersAgain, savedLocalDirs, startThrowawayCluster } from './support';

jest.setTimeout(900_000);

// Below the ephemeral port range, and apart from every other test cluster (scram-restart uses 17192/17193).
const CLIENT_PORT = 17292;
const CONTROLLER_PORT = 17293;
const ENV = 'frozentest';
const CLUSTER = 'shared';
const REACHABLE = `conformance.reachable:${CLUSTER}`;

describe('verify with a frozen broker', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-frozen-'));
  const root = path.join(work, 'project');
  const saved = savedLocalDirs();
  let env: Environment | undefined;
  let secrets: SecretSource;
  let model: Model;
  /** Pid of the broker while it is stopped, so it is always continued. */
  let frozen: number | undefined;

  const writeTenant = (id: string) =>
    fs.writeFileSync(
      path.join(root, 'tenants', `${id}.yaml`),
      stringifyYaml({
        id,
        owner: `team-${id}`,
        contact: `${id}@example.com`,
        tier: 'topic-per-tenant',
        classification: 'internal',
        topics: [{ name: 'events', partitions: 1 }],
        applications: [
          { name: 'writer', produces: ['events'] },
          { name: 'reader', consumes: ['events'], groups: ['reader'] },
        ],
      }),
    );

  const brokerPid = async (): Promise<number> => {
    const [st] = await status(env!);
    if (!st?.pid) throw new Error(`the ${ENV} broker is not running: ${JSON.stringify(st)}`);
    return st.pid;
  };

  const freeze = (pid: number) => {
    frozen = pid;
    process.kill(pid, 'SIGSTOP');
  };

  const thaw = () => {
    if (frozen === undefined) return;
    try {
      process.kill(frozen, 'SIGCONT');
    } catch {
      // already gone
    }
    frozen = undefined;
  };

  const answering = () => answersAgain(env!, secrets);

  const verify = async (label: string, opts: Partial<VerifyOptions> = {}): Promise<VerificationReport> => {
    const t0 = Date.now();
    const report = await runVerification({ model, secrets, ...opts });
    const s = report.summary;
    // The figure the issue asks for (≤ 60 s with a frozen broker); stated, not asserted.
    console.log(
      `verify (${label}): ${((Date.now() - t0) / 1000).toFixed(1)} s for ${s.checks} checks: ` +
        `${s.passed} passed, ${s.failed} failed, ${s.errors} error(s)\n${headline(report)}\n` +
        resultRows(report)
          .map((r) => `  ${r[0]} ${r[1]}: ${r[3]}`)
          .join('\n'),
    );
    return report;
  };

  /** What every frozen-broker run must show, however far it got before the freeze. */
  const expectUnreachableReported = (report: VerificationReport) => {
    expect(report.ok).toBe(false);
    const root = report.results.find((r) => r.id === REACHABLE);
    console.log(`${REACHABLE} after ${root?.durationMs} ms of the run:\n  ${root?.details.join('\n  ')}`);
    expect(root).toMatchObject({ status: 'error', cluster: CLUSTER });
    expect(root!.observed).toContain(`cluster ${CLUSTER} stopped answering`);
    expect(root!.observed).toContain('kafka-tenancy local status');
    expect(root!.observed).toContain('kafka-tenancy local up');
    // Said once: the table has one row for the cluster, the checks it ended point at it.
    expect(
      resultRows(report)
        .filter((r) => r[3].includes('stopped answering'))
        .map((r) => r[1]),
    ).toEqual([REACHABLE]);
    // A frozen broker is no answer: it may never make a check fail (that would claim broken isolation).
    expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.observed}`)).toEqual([]);
  };

  beforeAll(async () => {
    env = await startThrowawayCluster(root, {
      name: ENV,
      clientPort: CLIENT_PORT,
      controllerPort: CONTROLLER_PORT,
      cluster: CLUSTER,
      localDir: path.join(work, '.local'),
      stateDir: path.join(work, 'state'),
    });
    secrets = secretSourceFor(env);
    writeTenant('frost');
    writeTenant('thaw');
    model = loadModel({ env: ENV, root });
    const outdir = path.join(work, 'cdktf.out');
    synthesize(model, outdir);
    await deploy({ model, outdir, cli: readyToolchain(), secrets });
  });

  afterAll(async () => {
    thaw();
    if (env) await down(env);
    saved.restore();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('passes while the broker answers', async () => {
    const report = await verify('broker answering', { skipQuotas: true });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.status} ${r.id}: ${r.observed}`)).toEqual(
      [],
    );
    expect(report.ok).toBe(true);
  });

  it('frozen before the run: every check ends as error pointing at the one cluster result, nothing passes', async () => {
    freeze(await brokerPid());
    try {
      const report = await verify('broker frozen before the run');
      expectUnreachableReported(report);
      expect(report.summary.passed).toBe(0);
      expect(report.summary.checks).toBeGreaterThan(20);
      const others = report.results.filter((r) => r.id !== REACHABLE);
      expect(others.filter((r) => r.status !== 'error' || r.cause !== REACHABLE).map((r) => r.id)).toEqual([]);
      // The quota phase is planned from a snapshot of the frozen cluster: its checks end the same way.
      expect(others.some((r) => r.category === 'quota')).toBe(true);
    } finally {
      thaw();
    }
    await answering();
  });

  it('frozen in the middle of the run: the remaining checks end as error, the report is not a pass', async () => {
    let pid: number | undefined = await brokerPid();
    let doneAtFreeze = -1;
    let report: VerificationReport;
    try {
      report = await verify('broker frozen at the start of the access phase', {
        onProgress: (e) => {
          // The conformance phase has loaded the snapshot and opened connections: freeze with them open.
          if (pid !== undefined && e.phase === 'access' && !e.result) {
            freeze(pid);
            pid = undefined;
            doneAtFreeze = e.done;
          }
        },
      });
    } finally {
      thaw();
    }
    expect(doneAtFreeze).toBeGreaterThan(0);
    expectUnreachableReported(report);
    const root = report.results.find((r) => r.id === REACHABLE)!;
    // Noticed from a check that got no answer, not from the probe before the run.
    expect(root.details.join('\n')).toMatch(
      /what made verify probe the cluster: ([a-z-]+\.[a-z-]+:|kafkajs: \w+ request to)/,
    );
    const after = report.results.filter((r) => r.category !== 'conformance');
    const ended = after.filter((r) => r.status === 'error' && r.cause === REACHABLE);
    console.log(`after the freeze: ${after.length} checks, ${ended.length} ended by the unreachable cluster`);
    expect(ended.length).toBeGreaterThan(after.length / 2);
    await answering();
  });
});
