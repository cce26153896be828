/**
 * The pull-request workflow end to end, against the real local clusters and a real git repository in a temp
 * folder: each step is a branch (the pull request) compared with `main`, planned, reviewed, then merged and
 * deployed — or refused.
 *
 *   1. add a tenant        → only its stack is planned; the review says one tenant was added
 *   2. raise a quota       → flagged as a delete + create window
 *   3. delete its file     → refused (validate --base, plan --affected, plan without --base)
 *   4. lower partitions    → refused before any plan
 *   5. remove a topic      → plan refuses; merged anyway, deploy refuses the same way and deletes nothing; retired, it goes
 *   6. decommission        → ordered teardown; the verification confirms nothing usable is left
 *   7. remove the file     → now allowed; --finalize forgets the retained topic, which stays, admin-only
 *   8. reuse the id        → refused by plan and deploy: the retained topic would be the new tenant's
 *
 * The review Markdown (or refusal text) of each step is compared with test/golden/pipeline/ after replacing the
 * random suffix; `UPDATE_GOLDEN=1` rewrites the golden files.
 *
 * The temp project has its own state folder (KAFKA_TENANCY_STATE_DIR) and synth folder; it shares the main
 * checkout's secrets (admin passwords) through the secret source. It never plans the platform stack.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { runCli } from '../support/cli';
import { ValidationError } from '../../src/errors';
import { deploy, orphanedStacks, synthesizedStacks } from '../../src/pipeline/deploy';
import { kafkaClient, kafkaErrorType } from '../../src/kafka/client';
import { loadModel } from '../../src/model';
import type { Model } from '../../src/model/types';
import { checkRemovedTenants, computeAffected } from '../../src/pipeline/affected';
import { decommission, finalizeDecommission } from '../../src/pipeline/decommission';
import { verifyDecommissioned } from '../../src/pipeline/decommission-check';
import { renderMarkdown, reviewContext, reviewPlans, summaryLine, type PlanReview } from '../../src/review';
import { planStacks } from '../../src/pipeline/plan';
import { readLocalState } from '../../src/terraform/state';
import type { TfPlan } from '../../src/terraform/json';
import { synthesize } from '../../src/stacks/synth';
import { LocalPlatform, requireLocalPlatform, suffix, ensurePlatformDeployed } from './support';

jest.setTimeout(600_000);

const REPO_ROOT = path.join(__dirname, '..', '..');
const GOLDEN = path.join(REPO_ROOT, 'test', 'golden', 'pipeline');

describe('pull-request pipeline scenario (real clusters, real git)', () => {
  const sfx = suffix();
  const other = `pa${sfx}`; // committed, never touched again: must never be planned
  const id = `pb${sfx}`; // the tenant the scenario follows
  const file = `tenants/${id}.yaml`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-pipeline-'));
  const root = path.join(work, 'project');
  const stateDir = path.join(work, 'state');
  const synthOut = path.join(work, 'cdktf.out');
  const plansDir = path.join(work, 'plans');
  const previousStateDir = process.env.KAFKA_TENANCY_STATE_DIR;
  const timings: Record<string, number> = {};
  let platform: LocalPlatform;

  const tenantYaml = (
    opts: {
      partitions?: number;
      producerByteRate?: number;
      lifecycle?: string;
      extra?: string;
      /** A second topic, `audit`: declared, declared with allowDataLoss, or retired with its data deleted. */
      audit?: 'declared' | 'approved' | 'retired';
    } = {},
  ) =>
    [
      `id: ${id}`,
      'owner: team-scenario',
      'contact: scenario@example.com',
      'tier: topic-per-tenant',
      'classification: internal',
      ...(opts.lifecycle ? [`lifecycle: ${opts.lifecycle}`] : []),
      ...(opts.extra ? [opts.extra] : []),
      'topics:',
      '  - name: orders',
      `    partitions: ${opts.partitions ?? 6}`,
      ...(opts.extra?.includes('deleteDataOnDecommission') ? ['    allowDataLoss: true'] : []),
      ...(opts.audit && opts.audit !== 'retired' ? ['  - name: audit', '    partitions: 1'] : []),
      ...(opts.audit === 'approved' ? ['    allowDataLoss: true'] : []),
      ...(opts.audit === 'retired' ? ['retiredTopics:', '  - name: audit', '    deleteData: true'] : []),
      'applications:',
      '  - name: app',
      '    produces: [orders]',
      '    consumes: [orders]',
      '    groups: [app]',
      ...(opts.producerByteRate ? [`    quota: { producerByteRate: ${opts.producerByteRate} }`] : []),
      '',
    ].join('\n');

  const git = (...args: string[]) => {
    const res = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`git ${args.join(' ')}: ${res.stderr}`);
    return res.stdout.trim();
  };
  const write = (f: string, text: string) => fs.writeFileSync(path.join(root, f), text);
  const model = (): Model => loadModel({ env: 'local', root });
  /** A pull request: a branch off main with one commit. */
  const openPr = (name: string, change: () => void) => {
    git('checkout', '-q', '-b', name, 'main');
    change();
    git('add', '-A');
    git('commit', '-q', '-m', name);
  };
  const merge = (name: string) => {
    git('checkout', '-q', 'main');
    git('merge', '-q', '--ff-only', name);
  };
  const abandon = (name: string) => {
    git('checkout', '-q', 'main');
    git('branch', '-q', '-D', name);
  };
  const normalize = (text: string) => text.split(sfx).join('<sfx>').split(work).join('<work>');
  /** The problems a refused command printed (its progress lines carry commit ids and timings). */
  const problemLines = (stderr: string) =>
    stderr
      .split('\n')
      .filter((l) => /^(tenants|environments)\/|problem\(s\)/.test(l))
      .join('\n') + '\n';
  const golden = (name: string, actual: string) => {
    const f = path.join(GOLDEN, name);
    const text = normalize(actual);
    if (process.env.UPDATE_GOLDEN === '1') {
      fs.mkdirSync(GOLDEN, { recursive: true });
      fs.writeFileSync(f, text);
    }
    if (!fs.existsSync(f)) throw new Error(`golden file ${f} is missing; run with UPDATE_GOLDEN=1 to create it`);
    expect(text).toBe(fs.readFileSync(f, 'utf8'));
  };
  const timed = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - t0;
    }
  };
  /** Run the CLI in-process; returns the exit code and what it wrote. */
  const cli = runCli;
  const planArgs = ['--root', root, '--out', plansDir, '--synth-out', synthOut];
  const deployArgs = ['--root', root, '--out', synthOut];
  /** Topics on the shared cluster and ACLs naming the tenant's principal, as the admin sees them. */
  const onCluster = async () => {
    const a = admin();
    await a.connect();
    try {
      const topics = (await a.listTopics()).filter((t) => t.startsWith(`${id}.`)).sort();
      const acls = await a.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal: `User:${id}.app`,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      return { topics, acls: acls.resources.length };
    } finally {
      await a.disconnect();
    }
  };
  const stateAddresses = () => (readLocalState(platform.env, id) ?? []).map((r) => r.address).sort();

  /** Affected since main → plan those stacks → review (what the pull-request workflow does). */
  const prPipeline = async (): Promise<{ stacks: string[]; review: PlanReview; markdown: string }> => {
    const affected = computeAffected({ root, base: 'main', env: 'local' });
    expect(affected.removal.problems).toEqual([]);
    const stacks = affected.stacks.filter((s) => s.status !== 'removed').map((s) => s.stack);
    const m = model();
    const results = await planStacks({
      model: m,
      root,
      synthOut,
      plansDir,
      stacks,
      cli: platform.cli,
      secrets: platform.secrets,
    });
    const plans = results.map((r) => ({
      stack: r.stack,
      plan: JSON.parse(fs.readFileSync(r.jsonFile, 'utf8')) as TfPlan,
    }));
    const review = reviewPlans(plans, reviewContext(m));
    return { stacks, review, markdown: renderMarkdown(review) };
  };
  /** What the main workflow does after a merge: deploy the affected stacks. */
  const deployStacks = (stacks: string[]) => {
    const m = model();
    synthesize(m, synthOut);
    return deploy({ model: m, outdir: synthOut, stacks, cli: platform.cli, secrets: platform.secrets });
  };
  const admin = () => platform.admin('shared');

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    // the platform stack makes the operators (deployer, planner) that tenant deploys and plans log in as
    await ensurePlatformDeployed(platform);
    process.env.KAFKA_TENANCY_STATE_DIR = stateDir;
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'scenario@example.com');
    git('config', 'user.name', 'scenario');
    write(`tenants/${other}.yaml`, tenantYaml().split(id).join(other));
    git('add', '-A');
    git('commit', '-q', '-m', 'base: one tenant');
  });

  afterAll(async () => {
    // Whatever a failed run left behind: let terraform delete it (data deletion approved), then drop topics.
    try {
      const state = readLocalState(platform.env, id) ?? [];
      if (state.some((r) => r.type !== 'kafka_topic')) {
        git('checkout', '-q', '-f', 'main');
        write(file, tenantYaml({ lifecycle: 'decommissioning', extra: 'deleteDataOnDecommission: true' }));
        await deployStacks([id]);
      }
      const a = admin();
      await a.connect();
      const leftovers = (await a.listTopics()).filter((t) => t.startsWith(`${id}.`) || t.startsWith(`${other}.`));
      if (leftovers.length) await a.deleteTopics({ topics: leftovers });
      await a.disconnect();
    } finally {
      if (previousStateDir === undefined) delete process.env.KAFKA_TENANCY_STATE_DIR;
      else process.env.KAFKA_TENANCY_STATE_DIR = previousStateDir;
      fs.rmSync(work, { recursive: true, force: true });
      process.stderr.write(
        `pipeline scenario timings (s): ${Object.entries(timings)
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
          .join(', ')}\n`,
      );
    }
  });

  it('1. adding a tenant plans only its stack, and the review says one tenant was added', async () => {
    openPr('add-tenant', () => write(file, tenantYaml()));
    const { stacks, review, markdown } = await timed('1 plan+review', prPipeline);
    expect(stacks).toEqual([id]);
    expect(fs.readdirSync(plansDir).sort()).toEqual([`${id}.plan.json`, `${id}.tfplan`]);
    expect(summaryLine(review)).toBe('1 tenant added');
    expect(review.ok).toBe(true);
    golden('01-add-tenant.md', markdown);
    // Planning needs no tenant password: the plan used a placeholder, so the new tenant's password does not even
    // exist yet (deploy creates it).
    expect(platform.secrets.get(`scram/${id}.app`)).toBeUndefined();
    // No secret in what leaves the machine (boolean asserts, so a failure does not print the secret either).
    const planJson = fs.readFileSync(path.join(plansDir, `${id}.plan.json`), 'utf8');
    const adminPassword = platform.secrets.get('admin/shared')!;
    expect(Boolean(adminPassword)).toBe(true);
    expect(planJson.includes(adminPassword) || markdown.includes(adminPassword)).toBe(false);
    // Secret variables are ephemeral: terraform keeps them out of the saved plan altogether.
    const planVariables = Object.keys((JSON.parse(planJson) as { variables?: object }).variables ?? {});
    expect(planVariables.filter((v) => v.includes('password') && !v.endsWith('_version'))).toEqual([]);
    merge('add-tenant');
    const deployed = await timed('1 deploy', () => deployStacks([id]));
    expect(deployed.map((d) => d.outcome)).toEqual(['applied']);
    const password = platform.secrets.get(`scram/${id}.app`)!;
    expect(Boolean(password)).toBe(true);
    expect(planJson.includes(password) || markdown.includes(password)).toBe(false);
  });

  it('2. raising a quota is flagged as a delete + create window', async () => {
    openPr('raise-quota', () => write(file, tenantYaml({ producerByteRate: 2097152 })));
    const { stacks, review, markdown } = await timed('2 plan+review', prPipeline);
    expect(stacks).toEqual([id]);
    expect(review.stacks[0].risks.map((r) => `${r.severity} ${r.code}`)).toEqual(['warning quota-window']);
    golden('02-raise-quota.md', markdown);
    merge('raise-quota');
    await timed('2 deploy', () => deployStacks([id]));
  });

  it('3. deleting a deployed tenant file is refused by validate --base, plan --affected and plan', async () => {
    openPr('delete-file', () => fs.rmSync(path.join(root, file)));
    const verdict = checkRemovedTenants({ root, base: 'main', model: model() });
    expect(verdict.problems.map((p) => p.code)).toEqual(['tenant_file_removed']);
    const affected = await cli('affected', '--base', 'main', '--root', root);
    expect(affected.code).toBe(1);
    expect(affected.stdout).toContain('REFUSED, decommission first');
    const planned = await cli('plan', '--affected', '--base', 'main', ...planArgs);
    expect(planned.code).toBe(1);
    const plainPlan = await cli('plan', ...planArgs); // no --base: the orphaned state refuses it
    expect(plainPlan.code).toBe(1);
    expect(plainPlan.stderr).toContain(`tenant "${id}" is deployed but its file is gone`);
    golden('03-delete-tenant-file.txt', problemLines(planned.stderr));
    abandon('delete-file');
  });

  it('4. lowering partitions is refused before any plan, with the file, the field and the fix — the same by validate --base', async () => {
    openPr('lower-partitions', () => write(file, tenantYaml({ partitions: 3, producerByteRate: 2097152 })));
    fs.rmSync(plansDir, { recursive: true, force: true });
    const planned = await timed('4 refused plan', () => cli('plan', '--affected', '--base', 'main', ...planArgs));
    expect(planned.code).toBe(1);
    const finding = `${file}:7:5: topics[0].partitions: lowering partitions from 6 to 3 destroys the topic and its data; partitions can only grow. set allowDataLoss: true on the topic to approve recreating it`;
    expect(planned.stderr).toContain(finding);
    const validated = await cli('validate', '--base', 'main', '--root', root);
    expect(validated.code).toBe(1);
    expect(problemLines(validated.stderr)).toEqual(problemLines(planned.stderr)); // one rule table
    expect(fs.existsSync(plansDir) ? fs.readdirSync(plansDir) : []).toEqual([]); // no plan was made
    golden('04-lower-partitions.txt', problemLines(planned.stderr));
    abandon('lower-partitions');
  });

  it('5. a removed topic merged anyway: deploy refuses and deletes nothing; retired with deleteData: true, it goes', async () => {
    openPr('add-topic', () => write(file, tenantYaml({ producerByteRate: 2097152, audit: 'declared' })));
    merge('add-topic');
    await timed('5 deploy topic', () => deployStacks([id]));
    expect((await onCluster()).topics).toEqual([`${id}.audit`, `${id}.orders`]);

    // The pull request's plan is refused by the change rules; someone merges it anyway. The topic's block is gone,
    // and prevent_destroy with it (the synthesized ledger still fails any plain terraform plan).
    openPr('remove-topic', () => write(file, tenantYaml({ producerByteRate: 2097152 })));
    const prPlan = await cli('plan', '--affected', '--base', 'main', ...planArgs);
    expect(prPlan.code).toBe(1);
    merge('remove-topic');
    const stateBefore = stateAddresses();
    const refused = await timed('5 refused deploy', () => cli('deploy', ...deployArgs, id));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${file}: topics: topic ${id}.audit is deployed but no longer declared; removing a topic never deletes it. restore it under topics, or retire it under retiredTopics`,
    );
    // plan and validate --base met the same rule first, with the same words
    expect(problemLines(prPlan.stderr)).toEqual(problemLines(refused.stderr));
    expect(problemLines((await cli('validate', '--base', 'HEAD~1', '--root', root)).stderr)).toEqual(
      problemLines(refused.stderr),
    );
    golden('05-remove-topic.txt', problemLines(refused.stderr));
    // The library refuses the same way, and nothing was destroyed (nor applied at all).
    await expect(deployStacks([id])).rejects.toThrow(ValidationError);
    expect(stateAddresses()).toEqual(stateBefore);
    expect((await onCluster()).topics).toEqual([`${id}.audit`, `${id}.orders`]);

    // Delete it deliberately: one reviewed line in the file retires it with its data.
    openPr('retire-audit', () => write(file, tenantYaml({ producerByteRate: 2097152, audit: 'retired' })));
    merge('retire-audit');
    const approved = await timed('5 approved deploy', () => cli('deploy', ...deployArgs, '--base', 'HEAD~1', id));
    expect(approved.stderr).not.toContain('problem(s)');
    expect(approved.code).toBe(0);
    expect((await onCluster()).topics).toEqual([`${id}.orders`]);
  });

  it('6. decommissioning removes access, revokes credentials, removes quotas, in order, keeps the topic, and verifies', async () => {
    // Negative control: while the tenant is live, the verification must fail.
    const live = await verifyDecommissioned({
      env: platform.env,
      tenant: model().tenants.find((t) => t.id === id)!,
      secrets: platform.secrets,
      state: readLocalState(platform.env, id) ?? [],
    });
    expect(live.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      `${id}.app cannot authenticate`,
      `no ACL names a principal of ${id}`,
      `no ACL reaches ${id}.* (retained topics: the admin and the operators only)`,
      'terraform state holds only the retained topics and revoked credentials',
    ]);

    openPr('decommission', () => write(file, tenantYaml({ producerByteRate: 2097152, lifecycle: 'decommissioning' })));
    const { stacks, review, markdown } = await timed('6 plan+review', prPipeline);
    expect(stacks).toEqual([id]);
    expect(review.ok).toBe(true);
    expect(review.stacks[0].status).toBe('decommissioning');
    golden('06-decommission.md', markdown);
    merge('decommission');

    const res = await timed('6 decommission', () =>
      decommission({ model: model(), tenantId: id, synthOut, plansDir, cli: platform.cli, secrets: platform.secrets }),
    );
    expect(res.phases.map((p) => `${p.name}:${p.targets.length}`)).toEqual(['access:4', 'credentials:1', 'quotas:1']);
    expect(res.checks.filter((c) => !c.ok)).toEqual([]);
    expect(res.ok).toBe(true);
    expect(res.retainedTopics).toEqual([`${id}.orders`]);
    expect(fs.readFileSync(path.join(plansDir, `${id}.decommission.review.md`), 'utf8')).toBe(markdown);

    // Independently of the check: the topic is there, no ACL but the operators' wildcard ones (no data, checked
    // exactly by verify) matches it, and the tenant's login is refused.
    const a = admin();
    await a.connect();
    const topics = await a.listTopics();
    const acls = await a.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: `${id}.orders`,
      resourcePatternType: ResourcePatternTypes.MATCH,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    await a.disconnect();
    expect(topics).toContain(`${id}.orders`);
    const operators = ['User:platform-deployer', 'User:platform-planner'];
    const others = acls.resources.map((r) => ({
      ...r,
      acls: r.acls.filter((x) => !operators.includes(x.principal)),
    }));
    expect(others.filter((r) => r.acls.length > 0)).toEqual([]);
    // the operators' are the wildcard ones, never READ or WRITE
    const READ_OR_WRITE = [AclOperationTypes.READ, AclOperationTypes.WRITE, AclOperationTypes.ALL];
    expect(acls.resources.every((r) => r.resourceName === '*')).toBe(true);
    expect(acls.resources.flatMap((r) => r.acls).filter((x) => READ_OR_WRITE.includes(x.operation))).toEqual([]);
    const password = platform.secrets.get(`scram/${id}.app`)!;
    const login = kafkaClient(platform.brokers('shared'), { username: `${id}.app`, password }, { retries: 0 }).admin();
    const err = await login.connect().catch((e: unknown) => e);
    await login.disconnect().catch(() => undefined);
    expect(kafkaErrorType(err)).toBe('SASL_AUTHENTICATION_FAILED');
  });

  it('7. removing the file after the decommission is allowed; --finalize forgets the retained topic, which stays', async () => {
    openPr('remove-file', () => fs.rmSync(path.join(root, file)));
    const affected = computeAffected({ root, base: 'main', env: 'local' });
    expect(affected.removal.problems).toEqual([]);
    expect(affected.removal.allowed).toEqual([{ id, retainedTopics: [`${id}.orders`] }]);
    const planned = await cli('plan', '--affected', '--base', 'main', ...planArgs);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('nothing to plan');

    // deploy (not ours) refuses the orphaned state until the retained topic is forgotten
    const m = model();
    synthesize(m, synthOut);
    expect(orphanedStacks(m, synthesizedStacks(synthOut))).toEqual([id]);
    merge('remove-file');
    const fin = await timed('7 finalize', () =>
      finalizeDecommission({ model: model(), tenantId: id, synthOut, cli: platform.cli, secrets: platform.secrets }),
    );
    expect(fin).toEqual({
      tenant: id,
      forgotten: [`${id}.orders`],
      revokedCredentials: [`${id}.app`],
      fileStillPresent: false,
    });
    expect(readLocalState(platform.env, id)).toEqual([]);
    expect(orphanedStacks(m, synthesizedStacks(synthOut))).toEqual([]);
    const a = admin();
    await a.connect();
    const topics = await a.listTopics();
    await a.disconnect();
    expect(topics).toContain(`${id}.orders`);
  });
  it("8. re-adding the id after the finalize is refused by plan and deploy: the retained topic would be the new tenant's", async () => {
    openPr('reuse-id', () => write(file, tenantYaml()));
    const expected = `${file}: id: topic ${id}.orders already exists on cluster shared (retained by a decommissioned tenant?)`;
    const planned = await timed('8 refused plan', () => cli('plan', '--affected', '--base', 'main', ...planArgs));
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain(expected);
    expect(planned.stderr).toContain('choose another id or delete/adopt them explicitly');
    golden('08-reuse-id.txt', problemLines(planned.stderr));
    merge('reuse-id');
    const refused = await timed('8 refused deploy', () => cli('deploy', ...deployArgs, id));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(expected);
    // Nothing was created: no state, no grant for the would-be tenant; the retained topic is untouched.
    expect(readLocalState(platform.env, id)).toEqual([]);
    expect(await onCluster()).toEqual({ topics: [`${id}.orders`], acls: 0 });
  });
});
