/**
 * Off-boarding a tenant in a safe order. Terraform orders one apply by dependencies only, and nothing links a
 * tenant's ACLs, credential and quota, so a single apply deletes them in parallel in any order. This runs one
 * targeted apply per phase instead:
 *
 * 1. access      — ACLs: the principals lose every grant first, while everything else is still in place;
 * 2. credentials — SCRAM credentials are revoked, not deleted: their password becomes a random one that terraform
 *                  generates during the apply and nobody records, so nobody can log in as the tenant any more.
 *                  Deleting a credential writes a removal record that, on Kafka 4.0–4.4, can make a restarting
 *                  broker lose every SCRAM user (docs/upstream/kafka-scram-delta.md); a revocation is an upsert;
 * 3. quotas      — last of the principal's resources: deleting a quota earlier would leave an authenticated
 *                  principal unthrottled (the issue suggested quotas with ACLs; this order never has that window);
 * 4. data        — topics, only when the tenant file says `deleteDataOnDecommission: true`.
 *
 * Then a full plan must be empty, and `verifyDecommissioned` checks the cluster. Retained topics and revoked
 * credentials stay in the stack (topics protected by prevent_destroy) until `--finalize` forgets them
 * (`terraform state rm`), so removing the tenant file afterwards never deletes them.
 *
 * Why a command and not phases inside `deploy`: a decommission is a deliberate, rare act that ends with a check
 * and a finalize step; keeping it separate keeps `deploy` a plain plan + apply, and the pipeline calls
 * `decommission` for stacks whose tenant is decommissioning.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckFailed, EnvironmentError, ValidationError } from '../errors';
import { StackRunner, type StackRunnerOptions } from '../terraform/runner';
import { checkStateBackend } from '../terraform/state-backend';
import type { TerraformCli } from '../toolchain/toolchain';
import type { Model, TenantModel } from '../model/types';
import type { SecretSource } from '../secrets';
import { synthesize } from '../stacks/synth';
import { verifyDecommissioned, type Check } from './decommission-check';
import { changeKind, renderMarkdown, reviewContext, reviewPlans, type PlanReview } from '../review';
import { currentState, localStateFile, readLocalState, terraform } from '../terraform/state';
import {
  configuredAddresses,
  isRevokedCredential,
  redactPlan,
  type StateResource,
  type TfPlan,
  type TfResourceChange,
} from '../terraform/json';
import { REVOKED_CREDENTIAL_VERSION } from '../model/terraform-names';

export type PhaseName = 'access' | 'credentials' | 'quotas' | 'data';

export interface DecommissionPhase {
  readonly name: PhaseName;
  readonly types: readonly string[];
  readonly why: string;
}

export const DECOMMISSION_PHASES: readonly DecommissionPhase[] = [
  { name: 'access', types: ['kafka_acl'], why: 'ACLs first: the principals lose every grant' },
  {
    name: 'credentials',
    types: ['kafka_user_scram_credential'],
    why: 'then nobody can log in as the tenant (revoked: a random password nobody knows, not deleted)',
  },
  { name: 'quotas', types: ['kafka_quota'], why: 'quotas last, so no authenticated principal is ever unthrottled' },
  { name: 'data', types: ['kafka_topic'], why: 'topics only with deleteDataOnDecommission: true' },
];

export interface PlannedPhase {
  readonly phase: DecommissionPhase;
  /** Resource addresses in the state that the configuration no longer has. */
  readonly targets: readonly string[];
}

/**
 * What each phase touches: resources in the state that the decommissioning stack no longer declares, by type,
 * and the credentials it declares revoked that are not revoked yet. Topics are only ever targeted with
 * `deleteData` (without it they stay declared and protected).
 */
export function planPhases(
  state: readonly StateResource[],
  configured: readonly string[],
  deleteData: boolean,
): PlannedPhase[] {
  const touched = state.filter(
    (r) => !configured.includes(r.address) || (r.type === 'kafka_user_scram_credential' && !isRevokedCredential(r)),
  );
  return DECOMMISSION_PHASES.filter((p) => p.name !== 'data' || deleteData)
    .map((phase) => ({
      phase,
      targets: touched
        .filter((r) => phase.types.includes(r.type))
        .map((r) => r.address)
        .sort(),
    }))
    .filter((p) => p.targets.length > 0);
}

/** A planned change a decommission may apply: a removal, or the revocation of a credential. */
function isTeardown(c: TfResourceChange): boolean {
  const k = changeKind(c.change.actions);
  if (k === 'remove') return true;
  return (
    k === 'change' &&
    c.type === 'kafka_user_scram_credential' &&
    c.change.after?.password_wo_version === REVOKED_CREDENTIAL_VERSION
  );
}

export interface DecommissionOptions {
  readonly model: Model;
  readonly tenantId: string;
  readonly synthOut: string;
  /** Where the redacted plan of the whole teardown (`<id>.decommission.plan.json`) and its review go. */
  readonly plansDir: string;
  readonly cli: TerraformCli;
  readonly secrets: SecretSource;
  readonly log?: (msg: string) => void;
  /** Deadlines of the terraform runs (timeoutMs, lockTimeoutMs). */
  readonly runner?: StackRunnerOptions;
}

export interface DecommissionResult {
  readonly tenant: string;
  /** Review of the whole teardown, planned before the first phase. */
  readonly review: PlanReview;
  readonly phases: readonly {
    readonly name: PhaseName;
    readonly targets: readonly string[];
    readonly durationMs: number;
  }[];
  readonly retainedTopics: readonly string[];
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

function decommissioningTenant(model: Model, id: string): TenantModel {
  const tenant = model.tenants.find((t) => t.id === id);
  if (!tenant) {
    throw new ValidationError([
      {
        file: `tenants/${id}.yaml`,
        path: '',
        code: 'unknown_tenant',
        message: `no tenant "${id}"; decommission needs its file with "lifecycle: decommissioning" (use --finalize for a tenant whose file was removed after its decommission)`,
      },
    ]);
  }
  if (tenant.lifecycle !== 'decommissioning') {
    throw new ValidationError([
      {
        file: tenant.file,
        path: 'lifecycle',
        code: 'not_decommissioning',
        message: `tenant "${id}" is active; set "lifecycle: decommissioning" (and "deleteDataOnDecommission: true" only if its topics may be deleted), merge, then decommission`,
      },
    ]);
  }
  return tenant;
}

export async function decommission(opts: DecommissionOptions): Promise<DecommissionResult> {
  const log = opts.log ?? (() => undefined);
  const tenant = decommissioningTenant(opts.model, opts.tenantId);
  synthesize(opts.model, opts.synthOut);
  const stackDir = path.join(opts.synthOut, 'stacks', tenant.id);
  const runner = new StackRunner(stackDir, opts.cli, opts.secrets, opts.runner);
  await checkStateBackend(opts.model.env);
  log(`[${tenant.id}] init`);
  await runner.init();

  // The whole teardown, reviewed before anything happens.
  const fullPlan = path.join(stackDir, 'decommission.tfplan');
  await runner.plan(fullPlan);
  const plan = redactPlan((await runner.showPlanJson(fullPlan)) as TfPlan);
  fs.rmSync(fullPlan, { force: true });
  fs.mkdirSync(opts.plansDir, { recursive: true });
  fs.writeFileSync(
    path.join(opts.plansDir, `${tenant.id}.decommission.plan.json`),
    JSON.stringify(plan, null, 2) + '\n',
  );
  const review = reviewPlans([{ stack: tenant.id, plan }], reviewContext(opts.model));
  fs.writeFileSync(path.join(opts.plansDir, `${tenant.id}.decommission.review.md`), renderMarkdown(review));
  if (!review.ok) throw new CheckFailed(review.blockers.map((b) => `${tenant.file}: ${b.message}`).join('\n'));
  const notTeardown = (plan.resource_changes ?? []).filter(
    (c) => changeKind(c.change.actions) !== undefined && !isTeardown(c),
  );
  if (notTeardown.length) {
    throw new CheckFailed(
      `${tenant.file}: decommission only tears down, but the plan of "${tenant.id}" also wants to ` +
        notTeardown.map((c) => `${changeKind(c.change.actions)} ${c.address}`).join(', ') +
        '; deploy or revert those changes first',
    );
  }

  const state = await currentState(opts.model.env, tenant.id, opts.cli, stackDir);
  const configured = configuredAddresses(JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')));
  const phases: { name: PhaseName; targets: string[]; durationMs: number }[] = [];
  for (const p of planPhases(state, configured, tenant.deleteData)) {
    const t0 = Date.now();
    log(`[${tenant.id}] phase ${p.phase.name}: ${p.targets.length} resource(s) — ${p.phase.why}`);
    const phasePlan = path.join(stackDir, `decommission-${p.phase.name}.tfplan`);
    await runner.plan(
      phasePlan,
      p.targets.map((t) => `-target=${t}`),
    );
    const planned = ((await runner.showPlanJson(phasePlan)) as TfPlan).resource_changes ?? [];
    const unexpected = planned.filter(
      (c) => changeKind(c.change.actions) !== undefined && (!isTeardown(c) || !p.targets.includes(c.address)),
    );
    if (unexpected.length) {
      fs.rmSync(phasePlan, { force: true });
      throw new EnvironmentError(
        `phase ${p.phase.name} of "${tenant.id}" would also change ${unexpected.map((c) => c.address).join(', ')}; nothing was applied in this phase`,
      );
    }
    await runner.apply(phasePlan);
    fs.rmSync(phasePlan, { force: true });
    phases.push({ name: p.phase.name, targets: [...p.targets], durationMs: Date.now() - t0 });
  }

  const finalPlan = path.join(stackDir, 'decommission-final.tfplan');
  const outcome = await runner.plan(finalPlan);
  fs.rmSync(finalPlan, { force: true });
  if (outcome !== 'no-changes') {
    throw new EnvironmentError(
      `after the phases, the plan of "${tenant.id}" is not empty; run kafka-tenancy plan ${tenant.id} to see why`,
    );
  }

  log(`[${tenant.id}] verifying`);
  const after = await currentState(opts.model.env, tenant.id, opts.cli, stackDir);
  const checks = await verifyDecommissioned({ env: opts.model.env, tenant, secrets: opts.secrets, state: after });
  return {
    tenant: tenant.id,
    review,
    phases,
    retainedTopics: tenant.deleteData ? [] : tenant.topics.map((t) => t.name),
    checks,
    ok: checks.every((c) => c.ok),
  };
}

export interface FinalizeOptions {
  readonly model: Model;
  readonly tenantId: string;
  readonly synthOut: string;
  readonly cli: TerraformCli;
  readonly secrets: SecretSource;
  readonly log?: (msg: string) => void;
  readonly runner?: StackRunnerOptions;
}

export interface FinalizeResult {
  readonly tenant: string;
  /** Topics removed from the state; they stay on the cluster, unmanaged, with no ACLs. */
  readonly forgotten: readonly string[];
  /**
   * Revoked SCRAM credentials removed from the state; they stay on the cluster with a password nobody knows.
   * Delete them by hand once the cluster has written a metadata snapshot (README, "SCRAM credentials and
   * broker restarts").
   */
  readonly revokedCredentials: readonly string[];
  /** True when the tenant file still exists: it must be removed in the same change. */
  readonly fileStillPresent: boolean;
}

/**
 * Forget a decommissioned tenant's retained topics and revoked credentials (`terraform state rm`), leaving them
 * on the cluster, so the stack's state is empty and removing the tenant file can never delete them. Refused
 * while anything else is left. Works with the tenant file present (decommissioning) or already removed (local state only).
 */
export async function finalizeDecommission(opts: FinalizeOptions): Promise<FinalizeResult> {
  const log = opts.log ?? (() => undefined);
  const tenant = opts.model.tenants.find((t) => t.id === opts.tenantId);
  let state: StateResource[];
  let rm: (addresses: string[]) => Promise<unknown>;
  if (tenant) {
    decommissioningTenant(opts.model, opts.tenantId);
    synthesize(opts.model, opts.synthOut);
    const stackDir = path.join(opts.synthOut, 'stacks', tenant.id);
    await checkStateBackend(opts.model.env);
    await new StackRunner(stackDir, opts.cli, opts.secrets, opts.runner).init();
    state = await currentState(opts.model.env, tenant.id, opts.cli, stackDir);
    rm = (addresses) => terraform(opts.cli, stackDir, ['state', 'rm', '-no-color', ...addresses]);
  } else {
    const file = localStateFile(opts.model.env, opts.tenantId);
    if (!file) {
      throw new EnvironmentError(
        `tenant "${opts.tenantId}" has no file and the state backend is remote`,
        'run --finalize from the revision that still has the tenant file (lifecycle: decommissioning), then remove the file',
      );
    }
    state = readLocalState(opts.model.env, opts.tenantId) ?? [];
    rm = async (addresses) => {
      // An empty folder: no configuration, so terraform works on the given local state file only.
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-finalize-'));
      try {
        await terraform(opts.cli, cwd, ['state', 'rm', '-no-color', `-state=${file}`, ...addresses]);
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    };
  }
  const leftovers = state.filter((r) => r.type !== 'kafka_topic' && !isRevokedCredential(r));
  if (leftovers.length) {
    throw new ValidationError([
      {
        file: tenant?.file ?? `tenants/${opts.tenantId}.yaml`,
        path: '',
        code: 'decommission_incomplete',
        message: `"${opts.tenantId}" still has ${leftovers.map((r) => r.address).join(', ')}; run "kafka-tenancy decommission ${opts.tenantId}" first`,
      },
    ]);
  }
  const topics = state.filter((r) => r.type === 'kafka_topic');
  const revoked = state.filter(isRevokedCredential);
  if (topics.length || revoked.length) {
    log(
      `[${opts.tenantId}] forgetting ${topics.length} retained topic(s) and ${revoked.length} revoked credential(s); they stay on the cluster`,
    );
    await rm([...topics, ...revoked].map((r) => r.address));
  }
  return {
    tenant: opts.tenantId,
    forgotten: topics.map((r) => String(r.values.name)).sort(),
    revokedCredentials: revoked.map((r) => String(r.values.username)).sort(),
    fileStillPresent: !!tenant,
  };
}
