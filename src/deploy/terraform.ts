import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { secretForVariable } from '../model/terraform-names';
import type { SecretSource } from '../secrets';
import { randomPassword, secretNames } from '../secrets';
import { ensureProvider, ensureTerraformCli, TerraformCli, terraformEnv } from '../local/toolchain';

/**
 * Provider errors that say the connection to a broker dropped, not that the change is wrong (the Mongey
 * provider's sarama client reports "broker not connected" now and then, mostly on freshly started clusters).
 */
const TRANSIENT_PROVIDER_ERROR =
  /broker not connected|connection reset by peer|: EOF\b|i\/o timeout|client has run out of available brokers/;

export function isTransientProviderError(err: unknown): boolean {
  return err instanceof EnvironmentError && TRANSIENT_PROVIDER_ERROR.test(err.message);
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
}

/** What a plan-only runner feeds to `scram_password_*` variables. Not a secret, by design. */
export const PLAN_ONLY_PASSWORD = 'plan-only-placeholder-never-applied';

/**
 * Runs terraform/tofu in one synthesized stack directory (cdktf.out/stacks/<name>) the way `cdktf deploy
 * --skip-provider-lock` would, but offline-safe: our CLI config (mirror only), a shared plugin cache, and
 * secrets passed as TF_VAR_* environment variables that are never printed.
 */
export class StackRunner {
  readonly name: string;
  readonly planOnly: boolean;
  private readonly secretsEnv: NodeJS.ProcessEnv;

  constructor(
    readonly stackDir: string,
    readonly cli: TerraformCli,
    secrets: SecretSource,
    opts: StackRunnerOptions = {},
  ) {
    this.name = path.basename(stackDir);
    this.planOnly = opts.planOnly ?? false;
    this.secretsEnv = secretVariables(stackDir, secrets, { planOnly: this.planOnly });
  }

  private refusePlanOnly(what: string): void {
    if (this.planOnly) {
      throw new EnvironmentError(
        `stack "${this.name}": ${what} refused: this runner plans with placeholder SCRAM passwords and never changes a cluster`,
      );
    }
  }

  private tf(args: string[], okStatuses: number[] = [0]): { status: number; stdout: string; stderr: string } {
    const res = spawnSync(this.cli.bin, args, {
      cwd: this.stackDir,
      env: terraformEnv(this.secretsEnv),
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const status = res.status ?? 1;
    if (res.error || !okStatuses.includes(status)) {
      const out = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
      throw new EnvironmentError(
        `stack "${this.name}": ${this.cli.flavour} ${args[0]} failed (exit ${status}):\n${out}`,
      );
    }
    return { status, stdout: String(res.stdout), stderr: String(res.stderr) };
  }

  init(): void {
    this.tf(['init', '-input=false', '-no-color']);
  }

  /** Plan into `planFile` (relative to the stack dir). */
  plan(planFile = 'plan.tfplan', extra: string[] = []): PlanOutcome {
    // Planning changes nothing, so a dropped broker connection during refresh is simply retried (bounded).
    for (let attempt = 1; ; attempt++) {
      try {
        const { status } = this.tf(
          ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-out=${planFile}`, ...extra],
          [0, 2],
        );
        return status === 2 ? 'changes' : 'no-changes';
      } catch (err) {
        if (attempt >= 3 || !isTransientProviderError(err)) throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000 * attempt);
      }
    }
  }

  /** `show -json` of a saved plan: the input of plan review. */
  showPlanJson(planFile = 'plan.tfplan'): unknown {
    return JSON.parse(this.tf(['show', '-json', '-no-color', planFile]).stdout);
  }

  apply(planFile = 'plan.tfplan'): void {
    this.refusePlanOnly('apply');
    this.tf(['apply', '-input=false', '-no-color', '-auto-approve', planFile]);
  }

  destroy(): void {
    this.refusePlanOnly('destroy');
    this.tf(['destroy', '-input=false', '-no-color', '-auto-approve']);
  }

  /** Human plan text (no secrets: they are sensitive variables and write-only attributes). */
  planText(planFile = 'plan.tfplan'): string {
    return this.tf(['show', '-no-color', planFile]).stdout;
  }
}

/**
 * TF_VAR_* for every secret variable the synthesized stack declares, from the secret source. With `planOnly`,
 * SCRAM passwords are placeholders and the secret source is asked for admin passwords only.
 */
export function secretVariables(
  stackDir: string,
  secrets: SecretSource,
  opts: StackRunnerOptions = {},
): NodeJS.ProcessEnv {
  const file = path.join(stackDir, 'cdk.tf.json');
  const stack = JSON.parse(fs.readFileSync(file, 'utf8')) as { variable?: Record<string, unknown> };
  const env: NodeJS.ProcessEnv = {};
  for (const name of Object.keys(stack.variable ?? {})) {
    const s = secretForVariable(name);
    if (!s) continue;
    env[`TF_VAR_${name}`] =
      s.kind === 'admin'
        ? secrets.getOrCreate(secretNames.admin(s.cluster))
        : s.kind === 'revocation'
          ? randomPassword() // fresh on every run and never written down: see REVOCATION_VARIABLE
          : opts.planOnly
            ? PLAN_ONLY_PASSWORD
            : secrets.getOrCreate(s.secret);
  }
  return env;
}

/** The CLI with the provider mirror in place (building what is missing). */
export function readyToolchain(log: (m: string) => void = () => undefined): TerraformCli {
  ensureProvider(log);
  return ensureTerraformCli(log);
}
