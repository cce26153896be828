/**
 * The cdktf CLI path, as the README documents it, against the real shared cluster: in a temp project with its
 * own state folder (KAFKA_TENANCY_STATE_DIR), `kafka-tenancy synth`, then
 * `eval "$(kafka-tenancy tf-env --stack <tenant>)"; npx cdktf deploy <tenant> --skip-provider-lock --auto-approve`
 * — one tenant stack alone, no platform stack, no --ignore-missing-stack-dependencies — then the same path
 * decommissions it (tf-env supplies the fresh revocation secret), which is also the clean-up.
 *
 * The temp project shares the main checkout's secrets (admin passwords) through the secret source; its tenant
 * id has a random suffix.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { deploy } from '../../src/pipeline/deploy';
import { kafkaClient, kafkaErrorType } from '../../src/kafka/client';
import { loadModel } from '../../src/model';
import { synthesize } from '../../src/stacks/synth';
import { ensurePlatformDeployed, LocalPlatform, requireLocalPlatform, suffix } from './support';

jest.setTimeout(600_000);

const REPO_ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');

describe('cdktf deploy of one tenant stack with the variables of kafka-tenancy tf-env (real cdktf, real cluster)', () => {
  const id = `cd${suffix()}`;
  const user = `${id}.app`;
  const topic = `${id}.orders`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-cdktf-path-'));
  const root = path.join(work, 'project');
  const stateDir = path.join(work, 'state');
  const outdir = path.join(root, 'cdktf.out');
  const previousStateDir = process.env.KAFKA_TENANCY_STATE_DIR;
  const timings: Record<string, number> = {};
  let platform: LocalPlatform;

  type Variant = 'both' | 'orders-only' | 'retired' | 'moved' | 'decommissioning';
  const tenantYaml = (v: Variant) =>
    [
      `id: ${id}`,
      'owner: team-cdktf',
      'contact: cdktf@example.com',
      v === 'moved' ? 'tier: dedicated\ncluster: dedicated' : 'tier: topic-per-tenant',
      'classification: internal',
      ...(v === 'decommissioning' ? ['lifecycle: decommissioning', 'deleteDataOnDecommission: true'] : []),
      'topics:',
      '  - name: orders',
      '    partitions: 1',
      ...(v === 'both' || v === 'moved' ? ['  - name: invoices', '    partitions: 1'] : []),
      ...(v === 'retired' ? ['retiredTopics:', '  - name: invoices', '    deleteData: false'] : []),
      'applications:',
      '  - name: app',
      `    produces: [orders${v === 'both' || v === 'moved' ? ', invoices' : ''}]`,
      '    consumes: [orders]',
      '    groups: [app]',
      '',
    ].join('\n');
  const writeTenant = (v: Variant) => fs.writeFileSync(path.join(root, 'tenants', `${id}.yaml`), tenantYaml(v));
  const invoices = `${id}.invoices`;

  const timed = <T>(name: string, fn: () => T): T => {
    const t0 = Date.now();
    try {
      return fn();
    } finally {
      timings[name] = Date.now() - t0;
    }
  };
  const ok = (what: string, res: SpawnSyncReturns<string>): SpawnSyncReturns<string> => {
    if (res.error || res.status !== 0) {
      const tail = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
      throw new Error(`${what} failed (exit ${res.status}${res.error ? `, ${res.error.message}` : ''}):\n${tail}`);
    }
    return res;
  };
  /** The built CLI in a child process, as a user runs it. */
  const kt = (...args: string[]) =>
    ok(
      `kafka-tenancy ${args[0]}`,
      spawnSync(process.execPath, [CLI, ...args, '--root', root, '--out', outdir], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      }),
    );
  /** `eval "$(kafka-tenancy tf-env --stack <id>)"; npx cdktf deploy <id> …` in a fresh shell, script on stdin. */
  const cdktfDeployRaw = (tfEnv: string) =>
    spawnSync('sh', ['-s'], {
      cwd: root,
      input: `${tfEnv}\nexec npx cdktf deploy '${id}' --skip-provider-lock --auto-approve\n`,
      env: { ...process.env, FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 300_000,
    });
  const cdktfDeploy = (tfEnv: string) => ok('cdktf deploy', cdktfDeployRaw(tfEnv));
  /** synth + tf-env + cdktf deploy that must fail; its whole output. */
  /**
   * synth + tf-env, then `cdktf deploy` must fail and so must a plain `terraform plan` in the synthesized stack
   * folder. Returns terraform's own output: cdktf relays the error text of the plan only now and then (seen
   * dropped on a loaded machine), the exit status always.
   */
  const refusedCdktfDeploy = () => {
    kt('synth');
    const tfEnv = kt('tf-env', '--stack', id).stdout;
    const res = cdktfDeployRaw(tfEnv);
    expect(res.status).not.toBe(0);
    expect(res.stdout).not.toMatch(/Apply complete|Destruction complete/);
    const plain = spawnSync('sh', ['-s'], {
      cwd: path.join(outdir, 'stacks', id),
      input: `${tfEnv}\n"\${TERRAFORM_BINARY_NAME:-terraform}" init -input=false -no-color >/dev/null && exec "\${TERRAFORM_BINARY_NAME:-terraform}" plan -input=false -no-color\n`,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(plain.status).not.toBe(0);
    return `${plain.stdout}\n${plain.stderr}`.replace(/\s+/g, ' ');
  };
  /** Records of a topic as the admin reads them back (values), bounded. */
  const readBack = async (t: string, expected: number): Promise<string[]> => {
    const creds = { username: 'admin', password: platform.secrets.get('admin/shared')! };
    const consumer = kafkaClient(platform.brokers('shared'), creds).consumer({ groupId: `kt-readback-${suffix()}` });
    const values: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: t, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`read back ${values.length} of ${expected} from ${t}`)),
          60_000,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            values.push(String(message.value));
            if (values.length >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      return values;
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  };
  const stateOf = () => fs.readFileSync(path.join(stateDir, `${id}.tfstate`), 'utf8');
  /** Values of the TF_VAR_* lines tf-env printed (to prove none of them shows up anywhere else). */
  const secretValues = (tfEnv: string) =>
    [...tfEnv.matchAll(/^export TF_VAR_[a-z0-9_]+='([^']*)'$/gm)].map((m) => m[1]).filter((v) => v.length >= 8);
  const onCluster = async () => {
    const a = platform.admin('shared');
    await a.connect();
    try {
      const topics = (await a.listTopics()).filter((t) => t.startsWith(`${id}.`)).sort();
      const acls = await a.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal: `User:${user}`,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      return { topics, acls: acls.resources.length };
    } finally {
      await a.disconnect();
    }
  };
  /** Produce one record as the tenant with the password of the secret source: undefined, or the error type. */
  const produceAsTenant = async (to = topic, value = 'v'): Promise<string | undefined> => {
    const password = platform.secrets.get(`scram/${user}`)!;
    const producer = kafkaClient(platform.brokers('shared'), { username: user, password }, { retries: 0 }).producer();
    try {
      await producer.connect();
      await producer.send({ topic: to, messages: [{ key: 'k', value }] });
      return undefined;
    } catch (e) {
      return kafkaErrorType(e);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    await ensurePlatformDeployed(platform); // verify checks the tenant against the shared topics
    expect(fs.existsSync(CLI)).toBe(true); // npm test builds before the tests run
    process.env.KAFKA_TENANCY_STATE_DIR = stateDir; // for the children too: synth writes the state path
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
    // A cdktf project whose app is our synth of this folder; `npx cdktf` resolves through node_modules.
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    fs.writeFileSync(path.join(root, 'package.json'), '{ "private": true }\n');
    fs.writeFileSync(
      path.join(root, 'cdktf.json'),
      JSON.stringify({
        language: 'typescript',
        app: `node ${JSON.stringify(CLI)} synth --root ${JSON.stringify(root)} --out ${JSON.stringify(outdir)}`,
        output: 'cdktf.out',
        sendCrashReports: 'false',
        projectId: 'kafka-tenancy-cdktf-path-test',
      }),
    );
    writeTenant('both');
  });

  afterAll(async () => {
    try {
      // Whatever a failed run left behind: decommission with data deletion through our own deploy, then drop topics.
      const left = await onCluster().catch(() => ({ topics: [topic], acls: 1 }));
      if (left.acls > 0 || left.topics.length > 0) {
        writeTenant('decommissioning');
        const model = loadModel({ env: 'local', root });
        synthesize(model, outdir);
        await deploy({ model, outdir, stacks: [id], cli: platform.cli, secrets: platform.secrets }).catch(
          (e: unknown) => process.stderr.write(`cdktf-path clean-up: ${String(e)}\n`),
        );
        const a = platform.admin('shared');
        await a.connect();
        const topics = (await a.listTopics()).filter((t) => t.startsWith(`${id}.`));
        if (topics.length) await a.deleteTopics({ topics });
        await a.disconnect();
      }
    } finally {
      if (previousStateDir === undefined) delete process.env.KAFKA_TENANCY_STATE_DIR;
      else process.env.KAFKA_TENANCY_STATE_DIR = previousStateDir;
      fs.rmSync(work, { recursive: true, force: true });
      process.stderr.write(
        `cdktf path timings (s): ${Object.entries(timings)
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
          .join(', ')}\n`,
      );
    }
  });

  it('deploys the tenant alone (no platform stack, no --ignore-missing-stack-dependencies); its password works', async () => {
    kt('synth');
    const tfEnv = kt('tf-env', '--stack', id);
    expect(tfEnv.stdout).toMatch(/^# kafka-tenancy tf-env: .*secrets/);
    expect(tfEnv.stdout).toContain("export CHECKPOINT_DISABLE='1'");
    expect(tfEnv.stdout).toMatch(/^export TF_VAR_scram_password_cd[a-z0-9]+__app='/m);
    const res = timed('deploy', () => cdktfDeploy(tfEnv.stdout));

    expect(res.stdout).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
    const deployed = await onCluster();
    expect(deployed.topics).toEqual([invoices, topic]);
    expect(deployed.acls).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(stateDir, `${id}.tfstate`))).toBe(true);
    expect(fs.existsSync(path.join(stateDir, 'platform.tfstate'))).toBe(false); // cdktf did not pull it in
    expect(await produceAsTenant()).toBeUndefined(); // the password terraform applied is the secret source's
    const everythingElse = [tfEnv.stderr, res.stdout, res.stderr].join('\n');
    for (const v of secretValues(tfEnv.stdout)) expect(everythingElse).not.toContain(v);
  });

  it('refuses, in the synthesized configuration itself, to delete a topic removed from the file; its records stay', async () => {
    expect(await produceAsTenant(invoices, 'invoice-1')).toBeUndefined();
    writeTenant('orders-only');
    const before = stateOf();
    const out = timed('refused removal', () => refusedCdktfDeploy());
    expect(out).toContain(
      `tenants/${id}.yaml: topic(s) ${invoices} were declared at the last apply and are not declared now`,
    );
    expect(out).toContain('retire it under retiredTopics');
    expect(out).not.toMatch(/Destruction complete/);
    expect(stateOf()).toBe(before);
    expect((await onCluster()).topics).toEqual([invoices, topic]);
    expect(await readBack(invoices, 1)).toEqual(['invoice-1']);
  });

  it('refuses a tier change that moves the stack to another cluster: nothing dropped from state, nothing orphaned', async () => {
    writeTenant('moved');
    const before = stateOf();
    const out = timed('refused move', () => refusedCdktfDeploy());
    expect(out).toContain(`tenants/${id}.yaml: this stack is deployed on cluster "shared"`);
    expect(out).toContain('the file now puts it on cluster "dedicated"');
    expect(stateOf()).toBe(before); // the refresh against the other cluster was never written
    const dedicated = platform.admin('dedicated');
    await dedicated.connect();
    try {
      expect((await dedicated.listTopics()).filter((t) => t.startsWith(`${id}.`))).toEqual([]);
    } finally {
      await dedicated.disconnect();
    }
    expect((await onCluster()).topics).toEqual([invoices, topic]);
  });

  it('forgets a topic retired with deleteData: false: out of state, still on the cluster with its records', async () => {
    writeTenant('retired');
    kt('synth');
    const res = timed('retire', () => cdktfDeploy(kt('tf-env', '--stack', id).stdout));
    expect(res.stdout).toMatch(/0 destroyed/);
    expect(
      JSON.parse(stateOf()).resources.some(
        (r: { type: string; instances: { attributes: { name?: string } }[] }) =>
          r.type === 'kafka_topic' && r.instances[0].attributes.name === invoices,
      ),
    ).toBe(false);
    expect(await readBack(invoices, 1)).toEqual(['invoice-1']);
    // verify knows the kept topic is there on purpose (an undeclared one under the prefix would fail it)
    const verify = spawnSync(process.execPath, [CLI, 'verify', '--root', root, '--tenants', id, '--skip-quotas'], {
      cwd: root,
      env: { ...process.env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(`${verify.status} ${verify.stdout.slice(-400)} ${verify.stderr.slice(-1500)}`).toMatch(/^0 /);
  });

  it('decommissions through the same path: tf-env supplies a fresh revocation secret; access and data go', async () => {
    writeTenant('decommissioning');
    kt('synth');
    const tfEnv = kt('tf-env', '--stack', id);
    expect(tfEnv.stdout).toMatch(/^export TF_VAR_scram_revocation_secret='[A-Za-z0-9_-]{32}'$/m);
    expect(tfEnv.stdout).not.toMatch(/TF_VAR_scram_password_/); // a revoked credential needs no password
    const res = timed('decommission', () => cdktfDeploy(tfEnv.stdout));

    expect(res.stdout).toMatch(/Apply complete! Resources: 0 added, 1 changed, \d+ destroyed/);
    expect(await onCluster()).toEqual({ topics: [invoices], acls: 0 }); // forgotten before: kept, admin-only
    expect(await produceAsTenant()).toBe('SASL_AUTHENTICATION_FAILED'); // revoked: a password nobody knows
    for (const v of secretValues(tfEnv.stdout)) expect([res.stdout, res.stderr].join('\n')).not.toContain(v);
  });
});
