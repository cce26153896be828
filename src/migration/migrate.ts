/**
 * `kafka-tenancy migrate <tenant> start|status|cutover|stop|abort`: runs a tier migration's replication and proves
 * the copy. The tenant file decides the phase (model/migration.ts), deploy applies it; this module only moves and
 * checks records:
 *
 * - `start` (state copying): MirrorMaker 2 between clusters, the shared-tier copier within the shared cluster, as
 *   a detached process of its own (its pid, log and status under `.local/migrations/<env>/<tenant>/`). Idempotent.
 * - `status`: per-partition lag and the groups' offsets (MirrorMaker), or the copier's progress.
 * - `cutover` (state cutover, deployed: the source refuses the tenant's writes): drains the replication to zero
 *   lag, stops it, compares every partition (record count and sha256 of key, value and headers; the copier: the
 *   tenant's records only, per-key order), carries the groups' offsets over exactly, and writes the cutover proof
 *   `cutover.json` that deploy requires before it applies `state: done`. Re-runnable: every step checks first.
 * - `stop`: stops the replication process. `abort`: stops it and clears its state (MirrorMaker's internal topics,
 *   the copier's group), so `state: aborted` can delete the copies.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { kafkaClient } from '../kafka/client';
import { withDeadline } from '../kafka/deadline';
import { placements } from '../model/migration';
import type { Model, TenantModel } from '../model/types';
import { clusterEndpoint } from '../platform/connection';
import { adminCredentials } from '../platform/identities';
import { principalOf } from '../naming';
import { cutoverProofFile, migrationDir, mkdirPrivate } from '../paths';
import type { SecretSource } from '../secrets';
import { type CopyProgress, copyTenantRecords, migrationId } from './copier';
import { type CopierStatus, STATUS_FILE } from './copier-main';
import { compareCopiedRecords, type CopyMismatch } from './copy-check';
import { compareDigests, type DigestMismatch, partitionDigests } from './digest';
import { mirrorMakerInternalTopics, mirrorMakerTargetTopics } from './mirror-config';
import { isMirrorMakerRunning, startMirrorMaker, stopMirrorMaker } from './mirror-maker';
import {
  type ClusterAccess,
  applyGroupOffsets,
  mirrorStatus,
  type MirrorStatus,
  translateGroupOffsets,
} from './offsets';

export interface MigrateContext {
  readonly model: Model;
  /** Project root (the copier process loads the environment from it). */
  readonly root: string;
  readonly secrets: SecretSource;
  readonly log?: (msg: string) => void;
}

export { migrationDir };
export const PROOF_FILE = path.basename(cutoverProofFile('x', 'y'));

/** What `cutover` proved, kept for deploy (it applies `state: done` only after this) and for the record. */
export interface CutoverProof {
  readonly tenant: string;
  readonly environment: string;
  readonly engine: 'mirror-maker' | 'copier';
  readonly from: string;
  readonly to: string;
  readonly topics: readonly { readonly source: string; readonly target: string }[];
  /** Per partition: record count and sha256, equal on both sides (the target's, for the copier). */
  readonly partitions: readonly { topic: string; partition: number; count: number; sha256: string }[];
  readonly records: number;
  readonly groups: readonly { group: string; topic: string; partition: number; source: number; target: number }[];
  /** When the cutover command first saw the source refuse the tenant's writes. */
  readonly writesRefusedSince: string;
  readonly provenAt: string;
}

export function readCutoverProof(env: string, tenant: string): CutoverProof | undefined {
  const file = path.join(migrationDir(env, tenant), PROOF_FILE);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CutoverProof;
  } catch {
    return undefined;
  }
}

function migratingTenant(model: Model, id: string, states?: readonly string[]): TenantModel {
  const t = model.tenants.find((x) => x.id === id);
  if (!t) throw new EnvironmentError(`"${id}" is not a tenant of environment "${model.env.name}"`);
  const m = t.migration;
  if (!m) {
    throw new EnvironmentError(
      `${t.file} declares no migration`,
      'add a migration block (from, state: copying, keepSourceData) and deploy it first; see docs/migration.md',
    );
  }
  if (states && !states.includes(m.state)) {
    throw new EnvironmentError(
      `${t.file} says migration.state: ${m.state}; this step needs ${states.join(' or ')}`,
      m.state === 'copying'
        ? 'set migration.state: cutover and deploy it (the source then refuses writes), then run cutover'
        : 'change migration.state in the tenant file and deploy it first',
    );
  }
  return t;
}

function access(ctx: MigrateContext, cluster: string): ClusterAccess {
  return {
    endpoint: clusterEndpoint(ctx.model.env, cluster, ctx.secrets),
    creds: adminCredentials(ctx.secrets, cluster),
  };
}

const sourceTopics = (t: TenantModel) => t.migration!.topics.map((x) => x.source);

// ---------------------------------------------------------------------------------------------------------------
// the copier process

interface ProcessFiles {
  readonly config: string;
  readonly pid: string;
  readonly log: string;
  readonly status: string;
}

function copierFiles(dir: string): ProcessFiles {
  return {
    config: path.join(dir, 'copier.json'),
    pid: path.join(dir, 'copier.pid'),
    log: path.join(dir, 'copier.log'),
    status: path.join(dir, STATUS_FILE),
  };
}

/** The copier process of this folder, if alive and really ours (its command line names our config). */
function copierPid(dir: string): number | undefined {
  const files = copierFiles(dir);
  let pid: number;
  try {
    pid = Number(fs.readFileSync(files.pid, 'utf8').trim());
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(files.config) ? pid : undefined;
  } catch {
    return pid;
  }
}

export function readCopierStatus(dir: string): CopierStatus | undefined {
  try {
    return JSON.parse(fs.readFileSync(copierFiles(dir).status, 'utf8')) as CopierStatus;
  } catch {
    return undefined;
  }
}

function copierRoutes(t: TenantModel) {
  return t.migration!.topics.map((x) => ({
    source: x.source,
    target: x.target,
    targetPartitions: t.topics.find((y) => y.name === x.target)?.partitions ?? 1,
  }));
}

function startCopier(ctx: MigrateContext, t: TenantModel, dir: string): { pid: number; alreadyRunning: boolean } {
  const running = copierPid(dir);
  if (running) return { pid: running, alreadyRunning: true };
  const files = copierFiles(dir);
  const main = path.join(__dirname, 'copier-main.js');
  if (!fs.existsSync(main)) {
    throw new EnvironmentError(`the copier's entry ${main} is missing`, 'run the built CLI (npm run build)');
  }
  fs.writeFileSync(
    files.config,
    JSON.stringify(
      {
        environment: ctx.model.env.name,
        projectRoot: ctx.root,
        tenant: t.id,
        cluster: t.cluster,
        routes: copierRoutes(t),
        mode: 'follow',
        statusDir: dir,
      },
      null,
      2,
    ),
  );
  const out = fs.openSync(files.log, 'a');
  const child = spawn(process.execPath, [main, files.config], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(files.pid, `${child.pid}\n`);
  return { pid: child.pid!, alreadyRunning: false };
}

async function stopCopier(dir: string, graceMs = 30_000): Promise<'stopped' | 'killed' | 'not-running'> {
  const pid = copierPid(dir);
  if (!pid) return 'not-running';
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs; waited += 200) {
    await new Promise((r) => setTimeout(r, 200));
    if (copierPid(dir) === undefined) return 'stopped';
  }
  process.kill(pid, 'SIGKILL');
  return 'killed';
}

// ---------------------------------------------------------------------------------------------------------------
// start, status, stop

export interface StartResult {
  readonly engine: 'mirror-maker' | 'copier';
  readonly pid: number;
  readonly alreadyRunning: boolean;
  readonly dir: string;
}

export async function startMigration(ctx: MigrateContext, tenantId: string): Promise<StartResult> {
  const t = migratingTenant(ctx.model, tenantId, ['copying', 'cutover']);
  const m = t.migration!;
  const dir = migrationDir(ctx.model.env.name, t.id);
  mkdirPrivate(dir);
  await targetTopicsExist(ctx, t);
  if (m.engine === 'copier') return { engine: 'copier', dir, ...startCopier(ctx, t, dir) };
  const handle = await startMirrorMaker({
    env: ctx.model.env,
    secrets: ctx.secrets,
    tenant: t.id,
    sourceCluster: m.source.cluster,
    targetCluster: t.cluster,
    topics: sourceTopics(t),
    groupPrefix: t.groupPrefix,
    dir,
    log: ctx.log,
  });
  return { engine: 'mirror-maker', dir, pid: handle.pid, alreadyRunning: handle.alreadyRunning };
}

/** The target topics exist (deploy of `state: copying` made them): replication never creates topics itself. */
async function targetTopicsExist(ctx: MigrateContext, t: TenantModel): Promise<void> {
  const target = access(ctx, t.cluster);
  const admin = kafkaClient(target.endpoint, target.creds).admin();
  try {
    const live = await withDeadline(
      (async () => {
        await admin.connect();
        return admin.listTopics();
      })(),
      30_000,
      `listing topics on ${t.cluster}`,
    );
    const missing = t.migration!.topics.map((x) => x.target).filter((n) => !live.includes(n));
    if (missing.length) {
      throw new EnvironmentError(
        `the target topics ${missing.join(', ')} do not exist on ${t.cluster}`,
        `deploy the tenant with migration.state: copying first (kafka-tenancy deploy ${t.id}): it creates them`,
      );
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface StatusReport {
  readonly engine: 'mirror-maker' | 'copier';
  readonly state: string;
  readonly running: boolean;
  readonly mirror?: MirrorStatus;
  readonly copier?: CopierStatus;
  readonly proof?: CutoverProof;
}

export async function migrationStatus(ctx: MigrateContext, tenantId: string): Promise<StatusReport> {
  const t = migratingTenant(ctx.model, tenantId);
  const m = t.migration!;
  const dir = migrationDir(ctx.model.env.name, t.id);
  const proof = readCutoverProof(ctx.model.env.name, t.id);
  if (m.engine === 'copier') {
    return {
      engine: 'copier',
      state: m.state,
      running: copierPid(dir) !== undefined,
      copier: readCopierStatus(dir),
      proof,
    };
  }
  return {
    engine: 'mirror-maker',
    state: m.state,
    running: isMirrorMakerRunning(dir),
    mirror: await mirrorStatus({
      source: access(ctx, m.source.cluster),
      target: access(ctx, t.cluster),
      tenant: t.id,
      topics: sourceTopics(t),
      groupPrefix: t.groupPrefix,
    }),
    proof,
  };
}

export async function stopMigration(ctx: MigrateContext, tenantId: string): Promise<string> {
  const t = migratingTenant(ctx.model, tenantId);
  const dir = migrationDir(ctx.model.env.name, t.id);
  return t.migration!.engine === 'copier' ? stopCopier(dir) : stopMirrorMaker(dir);
}

// ---------------------------------------------------------------------------------------------------------------
// cutover

export interface CutoverOptions {
  /** Bound of the wait for zero lag. @default 600000 */
  readonly drainTimeoutMs?: number;
}

export interface CutoverReport {
  readonly ok: boolean;
  readonly steps: readonly { readonly step: string; readonly detail: string; readonly ms: number }[];
  readonly mismatches: readonly (DigestMismatch | CopyMismatch)[];
  readonly proof?: CutoverProof;
}

/**
 * The source refuses the tenant's writes: no binding of its users with Write (or All/IdempotentWrite) is live on
 * the copied source topics' cluster (what `state: cutover` synthesizes, read back from the broker).
 */
async function writesRefused(ctx: MigrateContext, t: TenantModel): Promise<string[]> {
  const m = t.migration!;
  const src = access(ctx, m.source.cluster);
  const admin = kafkaClient(src.endpoint, src.creds).admin();
  const users = new Set(m.source.principals.map((p) => principalOf(p.username)));
  try {
    const res = await withDeadline(
      (async () => {
        await admin.connect();
        // kafkajs numbers: resourceType ANY=1, patternType ANY=1, operation ANY=1, permission ANY=1; name, principal
        // and host left out (undefined = any): kafkajs 2.2.4 refuses null for them before sending anything
        return admin.describeAcls({
          resourceType: 1,
          resourcePatternType: 1,
          operation: 1,
          permissionType: 1,
        } as Parameters<typeof admin.describeAcls>[0]);
      })(),
      30_000,
      `reading ACLs on ${m.source.cluster}`,
    );
    // operation codes: ALL=2, WRITE=4, IDEMPOTENT_WRITE=12; permission ALLOW=3
    return res.resources.flatMap((r) =>
      r.acls
        .filter((a) => users.has(a.principal) && [2, 4, 12].includes(a.operation) && a.permissionType === 3)
        .map((a) => `${a.principal} op ${a.operation} on ${r.resourceName}`),
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function cutoverMigration(
  ctx: MigrateContext,
  tenantId: string,
  opts: CutoverOptions = {},
): Promise<CutoverReport> {
  const t = migratingTenant(ctx.model, tenantId, ['cutover']);
  const m = t.migration!;
  const dir = migrationDir(ctx.model.env.name, t.id);
  mkdirPrivate(dir);
  const steps: { step: string; detail: string; ms: number }[] = [];
  const step = async <T>(name: string, work: () => Promise<[T, string]>): Promise<T> => {
    const t0 = Date.now();
    const [value, detail] = await work();
    steps.push({ step: name, detail, ms: Date.now() - t0 });
    ctx.log?.(`[${t.id}] ${name}: ${detail}`);
    return value;
  };

  const grants = await step('source writes refused', async () => {
    const left = await writesRefused(ctx, t);
    return [left, left.length === 0 ? `no write grant of ${t.id} left on ${m.source.cluster}` : left.join('; ')];
  });
  if (grants.length > 0) {
    throw new EnvironmentError(
      `${t.id}'s users can still write on ${m.source.cluster} (${grants.join('; ')}): records could land behind the copy`,
      `deploy the tenant with migration.state: cutover first (kafka-tenancy deploy ${t.id}), then run cutover again`,
    );
  }
  // The first run that saw writes refused, kept in its own file so a failed run followed by a re-run still
  // measures the cutover from the first one (the proof only exists after a success).
  const sinceFile = path.join(dir, 'writes-refused-since');
  const writesRefusedSince = fs.existsSync(sinceFile)
    ? fs.readFileSync(sinceFile, 'utf8').trim()
    : new Date().toISOString();
  fs.writeFileSync(sinceFile, `${writesRefusedSince}\n`);
  const drainMs = opts.drainTimeoutMs ?? 600_000;
  const proof =
    m.engine === 'copier'
      ? await cutoverCopier(ctx, t, dir, drainMs, step)
      : await cutoverMirror(ctx, t, dir, drainMs, step);
  if (!proof.ok) return { ok: false, steps, mismatches: proof.mismatches };
  const full: CutoverProof = { ...proof.proof, writesRefusedSince, provenAt: new Date().toISOString() };
  const file = path.join(dir, PROOF_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(full, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  steps.push({ step: 'proof written', detail: file, ms: 0 });
  return { ok: true, steps, mismatches: [], proof: full };
}

type Step = <T>(name: string, work: () => Promise<[T, string]>) => Promise<T>;
type ProofBody = Omit<CutoverProof, 'writesRefusedSince' | 'provenAt'>;

async function cutoverMirror(
  ctx: MigrateContext,
  t: TenantModel,
  dir: string,
  drainMs: number,
  step: Step,
): Promise<{ ok: true; proof: ProofBody } | { ok: false; mismatches: DigestMismatch[] }> {
  const m = t.migration!;
  const source = access(ctx, m.source.cluster);
  const target = access(ctx, t.cluster);
  const topics = sourceTopics(t);
  const base = { engine: 'mirror-maker' as const, tenant: t.id, environment: ctx.model.env.name };
  // Already proven and nothing changed since: the digests decide (MirrorMaker's internals may be gone).
  const digests = async () => {
    const s = await Promise.all(
      topics.map(async (topic) => ({
        topic,
        partitions: await partitionDigests(source.endpoint, source.creds, topic),
      })),
    );
    const d = await Promise.all(
      topics.map(async (topic) => ({
        topic,
        partitions: await partitionDigests(target.endpoint, target.creds, topic),
      })),
    );
    return { s, mismatches: compareDigests(s, d) };
  };
  let compared = await digests();
  if (compared.mismatches.length > 0) {
    await step('replication running', async () => {
      const h = await startMirrorMaker({
        env: ctx.model.env,
        secrets: ctx.secrets,
        tenant: t.id,
        sourceCluster: m.source.cluster,
        targetCluster: t.cluster,
        topics,
        groupPrefix: t.groupPrefix,
        dir,
        log: ctx.log,
      });
      return [h, h.alreadyRunning ? `MirrorMaker pid ${h.pid} already running` : `MirrorMaker restarted, pid ${h.pid}`];
    });
    await step('drained to zero lag', async () => {
      const deadline = Date.now() + drainMs;
      for (let i = 0; ; i++) {
        const st = await mirrorStatus({ source, target, tenant: t.id, topics, groupPrefix: t.groupPrefix });
        if (st.caughtUp) return [st, `every partition caught up after ${i} poll(s)`];
        if (Date.now() > deadline) {
          const behind = st.partitions.filter((p) => p.lagRecords !== 0);
          throw new EnvironmentError(
            `${t.id}: replication did not drain within ${Math.round(drainMs / 1000)} s (${behind.length} partition(s) behind, e.g. ${behind
              .slice(0, 3)
              .map((p) => `${p.topic}[${p.partition}] lag ${p.lagRecords ?? `~${p.lagOffsets} offsets`}`)
              .join(', ')})`,
            `look at ${path.join(dir, 'mm2.log')}; cutover is re-runnable`,
          );
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
  }
  await step('replication stopped', async () => {
    const how = await stopMirrorMaker(dir);
    return [how, `MirrorMaker ${how}`];
  });
  compared = await step('records compared', async () => {
    const c = await digests();
    const records = c.s.reduce((n, x) => n + x.partitions.reduce((k, p) => k + p.count, 0), 0);
    const parts = c.s.reduce((n, x) => n + x.partitions.length, 0);
    return [
      c,
      c.mismatches.length === 0
        ? `${records} records in ${parts} partitions: counts and sha256 equal on both clusters`
        : `${c.mismatches.length} mismatch(es): ${c.mismatches
            .slice(0, 5)
            .map((x) => x.message)
            .join('; ')}`,
    ];
  });
  if (compared.mismatches.length > 0) return { ok: false, mismatches: compared.mismatches };
  const groups = await step('group offsets carried over', async () => {
    const out: CutoverProof['groups'][number][] = [];
    const admin = kafkaClient(target.endpoint, target.creds).admin();
    try {
      await withDeadline(admin.connect(), 30_000, `connecting to ${t.cluster}`);
      for (const group of m.groups) {
        const offsets = await translateGroupOffsets({ source, target, group, topics });
        await applyGroupOffsets(admin, group, offsets);
        out.push(
          ...offsets.map((o) => ({
            group,
            topic: o.topic,
            partition: o.partition,
            source: o.sourceOffset,
            target: o.targetOffset,
          })),
        );
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return [out, `${m.groups.length} group(s), ${out.length} partition offset(s) set exactly on ${t.cluster}`];
  });
  await step('MirrorMaker state cleared', async () => {
    const gone = await deleteTopics(target, mirrorMakerTopicsToClear(ctx.model, t));
    return [gone, `deleted ${gone.join(', ') || 'nothing (already gone)'}`];
  });
  return {
    ok: true,
    proof: {
      ...base,
      from: `${m.source.tier} on ${m.source.cluster}`,
      to: `${t.tier} on ${t.cluster}`,
      topics: m.topics,
      partitions: compared.s.flatMap((x) =>
        x.partitions.map((p) => ({ topic: x.topic, partition: p.partition, count: p.count, sha256: p.sha256 })),
      ),
      records: compared.s.reduce((n, x) => n + x.partitions.reduce((k, p) => k + p.count, 0), 0),
      groups,
    },
  };
}

/**
 * MirrorMaker's topics on the target once a tenant's copy is proven (or abandoned): its own Connect topics always;
 * the ones named after the cluster aliases (checkpoints, offset syncs, the empty heartbeats topic MirrorMaker 4.3
 * creates anyway) only when no other tenant is being mirrored to the same cluster. Once each: the broker refuses a
 * DeleteTopics request that names a topic twice (INVALID_REQUEST).
 */
export function mirrorMakerTopicsToClear(model: Model, t: TenantModel): string[] {
  const own = Object.values(mirrorMakerInternalTopics(t.id));
  const others = model.tenants.some(
    (x) =>
      x.id !== t.id &&
      x.migration?.engine === 'mirror-maker' &&
      (x.migration.state === 'copying' || x.migration.state === 'cutover') &&
      x.cluster === t.cluster,
  );
  return [...new Set([...own, ...(others ? [] : mirrorMakerTargetTopics(t.id))])];
}

async function deleteTopics(c: ClusterAccess, names: readonly string[]): Promise<string[]> {
  const admin = kafkaClient(c.endpoint, c.creds).admin();
  try {
    return await withDeadline(
      (async () => {
        await admin.connect();
        const live = await admin.listTopics();
        const gone = names.filter((n) => live.includes(n));
        if (gone.length) await admin.deleteTopics({ topics: gone, timeout: 30_000 });
        return gone;
      })(),
      60_000,
      'deleting replication state topics',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function cutoverCopier(
  ctx: MigrateContext,
  t: TenantModel,
  dir: string,
  drainMs: number,
  step: Step,
): Promise<{ ok: true; proof: ProofBody } | { ok: false; mismatches: CopyMismatch[] }> {
  const m = t.migration!;
  const c = access(ctx, t.cluster);
  const routes = copierRoutes(t);
  await step('copier stopped', async () => {
    const how = await stopCopier(dir);
    return [how, `copier process ${how}`];
  });
  // The source refuses the tenant's writes now, so "caught up" is final: copy the rest in this process.
  const drained: CopyProgress = await step('drained to the end', async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), drainMs);
    try {
      const p = await copyTenantRecords(
        { endpoint: c.endpoint, credentials: c.creds, tenantId: t.id, routes, mode: 'until-caught-up' },
        abort.signal,
      );
      if (!p.caughtUp)
        throw new EnvironmentError(
          `${t.id}: the copier did not reach the end within ${Math.round(drainMs / 1000)} s`,
          'cutover is re-runnable',
        );
      return [
        p,
        `${p.copied} more record(s) copied, ${p.skipped} of other tenants passed over, ${p.suspicious} suspicious`,
      ];
    } finally {
      clearTimeout(timer);
    }
  });
  void drained;
  const compared = await step('records compared', async () => {
    const r = await compareCopiedRecords({ endpoint: c.endpoint, credentials: c.creds, tenantId: t.id, routes });
    const records = r.partitions.reduce((n, p) => n + p.actualCount, 0);
    return [
      r,
      r.ok
        ? `${records} records of ${t.id} in ${r.partitions.length} target partitions: counts, sha256 and per-key order equal`
        : `${r.mismatches.length} mismatch(es): ${r.mismatches
            .slice(0, 5)
            .map((x) => x.message)
            .join('; ')}`,
    ];
  });
  if (!compared.ok) return { ok: false, mismatches: [...compared.mismatches] };
  return {
    ok: true,
    proof: {
      engine: 'copier',
      tenant: t.id,
      environment: ctx.model.env.name,
      from: `${m.source.tier} on ${m.source.cluster}`,
      to: `${t.tier} on ${t.cluster}`,
      topics: m.topics,
      partitions: compared.partitions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        count: p.actualCount,
        sha256: p.actualSha256,
      })),
      records: compared.partitions.reduce((n, p) => n + p.actualCount, 0),
      groups: [],
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// abort

export async function abortMigration(ctx: MigrateContext, tenantId: string): Promise<string[]> {
  const t = migratingTenant(ctx.model, tenantId);
  const m = t.migration!;
  if (m.state === 'done') {
    throw new EnvironmentError(
      `${t.file} says migration.state: done: the tenant works on ${t.cluster} now, there is nothing to abort`,
      'to go back, declare a new migration the other way',
    );
  }
  const dir = migrationDir(ctx.model.env.name, t.id);
  const done: string[] = [];
  const stopped = await stopMigration(ctx, tenantId);
  done.push(`replication ${stopped}`);
  if (m.engine === 'mirror-maker') {
    const gone = await deleteTopics(access(ctx, t.cluster), mirrorMakerTopicsToClear(ctx.model, t));
    done.push(`MirrorMaker topics deleted: ${gone.join(', ') || 'none left'}`);
  } else {
    const c = access(ctx, t.cluster);
    const admin = kafkaClient(c.endpoint, c.creds).admin();
    try {
      await withDeadline(admin.connect(), 30_000, 'connecting');
      await withDeadline(admin.deleteGroups([migrationId(t.id)]), 30_000, 'deleting the copier group').catch(
        () => undefined,
      );
      done.push(`copier group ${migrationId(t.id)} deleted`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  fs.rmSync(path.join(dir, PROOF_FILE), { force: true });
  fs.rmSync(path.join(dir, 'writes-refused-since'), { force: true });
  const { away } = placements(t);
  done.push(
    `next: set migration.state: aborted in ${t.file} and deploy: ${
      away
        ? `the copies on ${away.cluster} are deleted and the credentials there revoked`
        : 'the own topics (copies) are deleted'
    }; the source was never changed before cutover`,
  );
  return done;
}
