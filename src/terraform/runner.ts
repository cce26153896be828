import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import {
  KAFKA_USER_VARIABLE,
  migrationProofEnv,
  NEW_STACK_VARIABLE,
  secretForVariable,
} from '../model/terraform-names';
import { cutoverProofFile } from '../paths';
import { DEPLOYER_USER, operatorCredentials, PLANNER_USER } from '../platform/identities';
import type { SecretSource } from '../secrets';
import { randomPassword, requireSecret, secretNames } from '../secrets';
import { ensureProvider, ensureTerraformCli, TerraformCli, terraformEnv } from '../toolchain/toolchain';
import { runSupervised } from '../toolchain/supervised';

/**
 * Provider errors that say the connection to a broker dropped, not that the change is wrong (the Mongey
 * provider's sarama client reports "broker not connected" now and then, mostly on freshly started clusters).
 */
const TRANSIENT_PROVIDER_ERROR =
  /broker not connected|connection reset by peer|: EOF\b|i\/o timeout|client has run out of available brokers/;

export function isTransientProviderError(err: unknown): boolean {
  // sarama says "run out of available brokers" for a refused login too: that is an answer, not a lost connection
  return (
    err instanceof EnvironmentError &&
    TRANSIENT_PROVIDER_ERROR.test(err.message) &&
    !/SASL Authentication failed|invalid credentials|x509:|tls:/.test(err.message)
  );
}

/**
 * The pg backend's momentary conflicts between *different* stacks sharing one database, not another run on this
 * stack: a stack's first `init` creates its workspace holding the database-wide advisory lock -1, which every
 * other stack's lock takes for an instant too ("already locked for workspace creation"), and two first inits
 * may race on `CREATE SEQUENCE IF NOT EXISTS` (a unique violation in pg_type / pg_class). Nothing was locked or
 * changed when they happen, so the command is simply run again (bounded). A lock held by another run on the
 * same stack ("Workspace is already locked") is not one of these: that is `-lock-timeout`'s business.
 */
const PG_CREATION_RACE =
  /already locked for workspace creation|duplicate key value violates unique constraint "pg_(type|class|namespace)_/i;
const PG_CREATION_RETRIES = 5;

/**
 * `state pull` of a stack never applied: nothing (s3), or, from a backend that creates the workspace on first
 * use (pg writes an empty state as its sentinel row), a state with no resources and no outputs, which
 * `terraform_remote_state` calls "no stored state" just the same.
 */
export function isEmptyState(pulled: string): boolean {
  if (pulled.trim() === '') return true;
  try {
    const state = JSON.parse(pulled) as { resources?: unknown[]; outputs?: Record<string, unknown> };
    return (state.resources ?? []).length === 0 && Object.keys(state.outputs ?? {}).length === 0;
  } catch {
    return false;
  }
}

/** Result of `plan -detailed-exitcode`. */
export type PlanOutcome = 'no-changes' | 'changes';

export interface StackRunnerOptions {
  /**
   * Plan only: every `scram_password_*` variable gets a placeholder instead of the tenant's password. Those
   * variables only feed the provider's write-only `password_wo` (ephemeral, never stored, never compared; a
   * credential changes when `password_wo_version` does), so the plan is the same with any value, and whoever
   * plans needs no tenant password. The admin password is still real: the refresh reads the cluster with it.
   * A plan-only runner refuses `apply` and `destroy`; Terraform itself wants ephemeral values again when a
   * saved plan is applied, so a placeholder can never reach a cluster through a `.tfplan` either.
   * @default false
   */
  readonly planOnly?: boolean;
  /**
   * Deadline of one terraform command (init, plan, apply, show). At the deadline terraform and its provider
   * plugins are stopped (SIGTERM, then SIGKILL) and the run fails naming the stack and its cluster.
   * @default DEFAULT_TERRAFORM_TIMEOUT_MS
   */
  readonly timeoutMs?: number;
  /** How long plan/apply wait for the state lock (Terraform's -lock-timeout). @default 0 - fail at once */
  readonly lockTimeoutMs?: number;
}

/** One terraform command may run this long by default (a 1,000-topic stack applies in well under that). */
export const DEFAULT_TERRAFORM_TIMEOUT_MS = 15 * 60_000;

function declaresVariable(stackDir: string, name: string): boolean {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      variable?: Record<string, unknown>;
    };
    return name in (json.variable ?? {});
  } catch {
    return false;
  }
}

/** What a stack's provider talks to, for messages: `127.0.0.1:19092` (from the synthesized JSON). */
function stackBrokers(stackDir: string): string {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      provider?: { kafka?: Array<{ bootstrap_servers?: string[] }> };
    };
    return (json.provider?.kafka?.[0]?.bootstrap_servers ?? []).join(',') || 'its cluster';
  } catch {
    return 'its cluster';
  }
}

/** What a plan-only runner feeds to `scram_password_*` variables. Not a secret, by design. */
export const PLAN_ONLY_PASSWORD = 'plan-only-placeholder-never-applied';

/**
 * Runs terraform/tofu in one synthesized stack directory (cdktf.out/stacks/<name>) the way `cdktf deploy
 * --skip-provider-lock` would, but offline-safe: our CLI config (mirror only, no plugin cache), a deadline, and
 * secrets passed as TF_VAR_* environment variables that are never printed.
 */
export class StackRunner {
  readonly name: string;
  readonly planOnly: boolean;
  /** Asked for on the first terraform command: creating a missing secret waits for the secrets file's lock. */
  private secretsEnv?: Promise<NodeJS.ProcessEnv>;
  private readonly secrets: SecretSource;
  private readonly timeoutMs: number;
  private readonly lockTimeoutMs: number;
  /** Non-secret variables the runner decides (TF_VAR_kafka_tenancy_new_stack). */
  private readonly runEnv: NodeJS.ProcessEnv = {};

  constructor(
    readonly stackDir: string,
    readonly cli: TerraformCli,
    secrets: SecretSource,
    opts: StackRunnerOptions = {},
  ) {
    this.name = path.basename(stackDir);
    this.planOnly = opts.planOnly ?? false;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TERRAFORM_TIMEOUT_MS;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 0;
    this.secrets = secrets;
  }

  private secretEnv(): Promise<NodeJS.ProcessEnv> {
    this.secretsEnv ??= secretVariables(this.stackDir, this.secrets, { planOnly: this.planOnly });
    return this.secretsEnv;
  }

  private refusePlanOnly(what: string): void {
    if (this.planOnly) {
      throw new EnvironmentError(
        `stack "${this.name}": ${what} refused: this runner plans with placeholder SCRAM passwords and never changes a cluster`,
      );
    }
  }

  private async tf(
    args: string[],
    okStatuses: number[] = [0],
  ): Promise<{ status: number; stdout: string; stderr: string }> {
    let res = await this.run(args);
    for (let attempt = 1; attempt < PG_CREATION_RETRIES && !okStatuses.includes(res.status); attempt++) {
      if (res.timedOut || !PG_CREATION_RACE.test(`${res.stdout}\n${res.stderr}`)) break;
      await new Promise((r) => setTimeout(r, 500 * attempt));
      res = await this.run(args);
    }
    const out = `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-40).join('\n');
    if (res.timedOut) {
      throw new EnvironmentError(
        `stack "${this.name}": ${this.cli.flavour} ${args[0]} did not finish within ${this.timeoutMs / 1000} s; stopped it ` +
          `(and its provider). Is the cluster at ${stackBrokers(this.stackDir)} frozen or unreachable?\n${out}`,
        'kafka-tenancy local status (local clusters: kafka-tenancy local up); the next deploy finishes what was applied',
      );
    }
    if (!okStatuses.includes(res.status)) {
      const locked = /Error acquiring the state lock/.test(out);
      throw new EnvironmentError(
        `stack "${this.name}": ${this.cli.flavour} ${args[0]} failed (exit ${res.signal ?? res.status}):\n${out}`,
        locked
          ? `another run holds the state lock of stack "${this.name}" (Lock Info above): wait for it (--lock-timeout), or, if that run is dead, ${this.cli.flavour} force-unlock <ID> in the stack directory`
          : undefined,
      );
    }
    return res;
  }

  private async run(args: string[]) {
    return runSupervised(this.cli.bin, args, {
      cwd: this.stackDir,
      env: terraformEnv({ ...this.runEnv, ...(await this.secretEnv()) }),
      timeoutMs: this.timeoutMs,
    });
  }

  private lockArgs(): string[] {
    return [`-lock-timeout=${Math.ceil(this.lockTimeoutMs / 1000)}s`];
  }

  async init(): Promise<void> {
    await this.tf(['init', '-input=false', '-no-color']);
    // A remote-state stack reads its own state back at plan time (TopicLedger), which fails while none exists.
    if (declaresVariable(this.stackDir, NEW_STACK_VARIABLE)) {
      const pulled = await this.tf(['state', 'pull']);
      if (isEmptyState(pulled.stdout)) this.runEnv[`TF_VAR_${NEW_STACK_VARIABLE}`] = 'true';
    }
  }

  /** Plan into `planFile` (relative to the stack dir). */
  async plan(planFile = 'plan.tfplan', extra: string[] = []): Promise<PlanOutcome> {
    // Planning changes nothing, so a dropped broker connection during refresh is simply retried (bounded).
    for (let attempt = 1; ; attempt++) {
      try {
        const { status } = await this.tf(
          ['plan', '-input=false', '-no-color', '-detailed-exitcode', ...this.lockArgs(), `-out=${planFile}`, ...extra],
          [0, 2],
        );
        return status === 2 ? 'changes' : 'no-changes';
      } catch (err) {
        if (attempt >= 3 || !isTransientProviderError(err)) throw err;
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  }

  /** `show -json` of a saved plan: the input of plan review. */
  async showPlanJson(planFile = 'plan.tfplan'): Promise<unknown> {
    return JSON.parse((await this.tf(['show', '-json', '-no-color', planFile])).stdout);
  }

  async apply(planFile = 'plan.tfplan'): Promise<void> {
    this.refusePlanOnly('apply');
    await this.tf(['apply', '-input=false', '-no-color', '-auto-approve', ...this.lockArgs(), planFile]);
  }

  async destroy(): Promise<void> {
    this.refusePlanOnly('destroy');
    await this.tf(['destroy', '-input=false', '-no-color', '-auto-approve', ...this.lockArgs()]);
  }

  /** Human plan text (no secrets: they are sensitive variables and write-only attributes). */
  async planText(planFile = 'plan.tfplan'): Promise<string> {
    return (await this.tf(['show', '-no-color', planFile])).stdout;
  }
}

/**
 * TF_VAR_* for every secret variable the synthesized stack declares, from the secret source. The providers log
 * in as the stack's default user (`kafka_user`: the admin for the platform stack, the deployer for tenant
 * stacks); with `planOnly`, as the read-only planner instead, SCRAM passwords are placeholders, and the secret
 * source is asked for the planner's password only (and TLS material).
 */
export async function secretVariables(
  stackDir: string,
  secrets: SecretSource,
  opts: StackRunnerOptions = {},
): Promise<NodeJS.ProcessEnv> {
  const file = path.join(stackDir, 'cdk.tf.json');
  const stack = JSON.parse(fs.readFileSync(file, 'utf8')) as { variable?: Record<string, unknown> };
  const env: NodeJS.ProcessEnv = {};
  if (opts.planOnly && KAFKA_USER_VARIABLE in (stack.variable ?? {}))
    env[`TF_VAR_${KAFKA_USER_VARIABLE}`] = PLANNER_USER;
  for (const name of Object.keys(stack.variable ?? {})) {
    const proofEnv = migrationProofEnv(name);
    if (proofEnv !== undefined) {
      // not a secret: the digest of the cutover proof, when `migrate <tenant> cutover` wrote one here
      const proof = cutoverProofFile(proofEnv, path.basename(stackDir));
      if (fs.existsSync(proof)) {
        env[`TF_VAR_${name}`] = crypto.createHash('sha256').update(fs.readFileSync(proof)).digest('hex');
      }
      continue;
    }
    const s = secretForVariable(name);
    if (!s) continue;
    env[`TF_VAR_${name}`] =
      (s.kind === 'admin' || s.kind === 'deployer') && opts.planOnly
        ? operatorCredentials(secrets, PLANNER_USER).password
        : s.kind === 'admin'
          ? await secrets.getOrCreate(secretNames.admin(s.cluster))
          : s.kind === 'deployer'
            ? await secrets.getOrCreate(secretNames.scram(DEPLOYER_USER)) // the platform stack sets this one
            : s.kind === 'tls'
              ? requireSecret(secrets, s.secret) // TLS material is never invented: it must match the brokers
              : s.kind === 'revocation'
                ? randomPassword() // fresh on every run and never written down: see REVOCATION_VARIABLE
                : opts.planOnly
                  ? PLAN_ONLY_PASSWORD
                  : await secrets.getOrCreate(s.secret);
  }
  return env;
}

/** The CLI with the provider mirror in place (building what is missing). */
export function readyToolchain(log: (m: string) => void = () => undefined): TerraformCli {
  ensureProvider(log);
  return ensureTerraformCli(log);
}
