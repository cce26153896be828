/**
 * What each stack's last successful apply was made from, so that `deploy` can skip a stack whose synthesized
 * configuration has not changed since (no terraform run at all: a no-change re-deploy of a large fleet costs a hash
 * per stack instead of an init and a plan).
 *
 * The record (`<stack>.applied.json`) holds the hash of the stack's normalized `cdk.tf.json` (normalizeStack: no
 * cdktf metadata, no local state path) together with the CLI flavour and version and the provider version — an
 * environment, cluster, provider or CLI change changes it — plus, for a local backend, the state's lineage and
 * serial. It sits next to the local state (`<stateDir>/<stack>.applied.json`); with a remote backend under
 * `<local>/applied/<env>/`, which makes it a record of THIS machine's deploys: a deploy from elsewhere is not seen
 * (that machine's record, or none, governs there), so after deploying a stack from another machine or by hand,
 * run `deploy --refresh` once. A fresh checkout (CI) has no record and plans everything.
 *
 * Protocol: the record is removed before a stack's apply starts and written only after the apply succeeded (or a
 * plan found nothing to change), so an interrupted or failed apply always leaves the stack to be planned again.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TerraformCli } from '../toolchain/toolchain';
import { PROVIDER_SOURCE, VERSIONS } from '../toolchain/versions';
import type { Environment } from '../model/environment';
import { localDir, projectRoot } from '../paths';
import { stateDir } from '../paths';
import { normalizeStack } from './affected';

/** Bumped when what the hash covers changes: every record then differs and every stack is planned once. */
const RECORD_FORMAT = 1;

/** Identity of a local state file: Terraform bumps `serial` on every write, `lineage` is fixed at creation. */
export interface StateStamp {
  readonly lineage: string;
  readonly serial: number;
}

export interface AppliedRecord {
  readonly stack: string;
  /** sha256 of the normalized configuration, CLI and provider (stackConfigHash). */
  readonly hash: string;
  /** kafka-tenancy version that applied it (for people; not part of the hash: synthesis changes show in the JSON). */
  readonly tool: string;
  /** `terraform 1.11.4` */
  readonly cli: string;
  /** `registry.terraform.io/mongey/kafka 0.13.1` */
  readonly provider: string;
  /** ISO time of the apply (or of the plan that found nothing to change). */
  readonly appliedAt: string;
  /** Local backend: the state right after the apply; null for remote backends. */
  readonly state: StateStamp | null;
}

/** Hash of what a stack's apply is made of: its normalized synthesized JSON, the CLI and the provider. */
export function stackConfigHash(stackJson: unknown, cli: Pick<TerraformCli, 'flavour' | 'version'>): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        format: RECORD_FORMAT,
        cli: cliLabel(cli),
        provider: providerLabel(),
        config: normalizeStack(stackJson),
      }),
    )
    .digest('hex');
}

/** Hash of a synthesized stack directory's `cdk.tf.json`, read as synthesized (before any import block is added). */
export function stackDirHash(stackDir: string, cli: Pick<TerraformCli, 'flavour' | 'version'>): string {
  return stackConfigHash(JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')), cli);
}

const cliLabel = (cli: Pick<TerraformCli, 'flavour' | 'version'>) => `${cli.flavour} ${cli.version}`;
const providerLabel = () => `${PROVIDER_SOURCE} ${VERSIONS.provider}`;

/** Where a stack's record lives: next to its local state, or per machine under `<local>/applied/<env>/`. */
export function appliedRecordFile(env: Environment, stack: string): string {
  const dir = env.state.backend === 'local' ? stateDir(env.name) : path.join(localDir(), 'applied', env.name);
  return path.join(dir, `${stack}.applied.json`);
}

export function readAppliedRecord(env: Environment, stack: string): AppliedRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(appliedRecordFile(env, stack), 'utf8')) as Partial<AppliedRecord>;
    // A record we cannot read fully is no record: the stack is planned.
    return typeof r.hash === 'string' && r.stack === stack ? (r as AppliedRecord) : undefined;
  } catch {
    return undefined;
  }
}

export function writeAppliedRecord(
  env: Environment,
  stack: string,
  hash: string,
  cli: Pick<TerraformCli, 'flavour' | 'version'>,
  now = new Date(),
): AppliedRecord {
  const record: AppliedRecord = {
    stack,
    hash,
    tool: `kafka-tenancy ${toolVersion()}`,
    cli: cliLabel(cli),
    provider: providerLabel(),
    appliedAt: now.toISOString(),
    state: env.state.backend === 'local' ? localStateStamp(env, stack) : null,
  };
  const file = appliedRecordFile(env, stack);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written whole then renamed: a reader never sees half a record.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  return record;
}

export function removeAppliedRecord(env: Environment, stack: string): void {
  fs.rmSync(appliedRecordFile(env, stack), { force: true });
}

/** Lineage and serial of a stack's local state file; null when there is none (or it is empty or unreadable). */
export function localStateStamp(env: Environment, stack: string): StateStamp | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(stateDir(env.name), `${stack}.tfstate`), 'utf8')) as {
      lineage?: unknown;
      serial?: unknown;
    };
    return typeof s.lineage === 'string' && typeof s.serial === 'number'
      ? { lineage: s.lineage, serial: s.serial }
      : null;
  } catch {
    return null;
  }
}

export type SkipDecision = { readonly skip: true } | { readonly skip: false; readonly reason: string };

/**
 * Whether a stack may be skipped: only when its last successful apply was of exactly this configuration (same hash)
 * and nothing has touched it since as far as this machine can tell — no pending first apply (an interrupted apply
 * to finish), and for a local backend the same state (lineage and serial: a decommission, a `cdktf deploy`, a
 * hand-made `terraform apply` or a deleted state file all change it).
 */
export function skipDecision(opts: {
  readonly record: AppliedRecord | undefined;
  readonly hash: string;
  /** The state's stamp now; undefined for a remote backend (not checked: the record is per machine). */
  readonly state: StateStamp | null | undefined;
  readonly pendingFirstApply: boolean;
}): SkipDecision {
  const { record } = opts;
  if (!record) return { skip: false, reason: 'no record of a successful apply' };
  if (opts.pendingFirstApply) return { skip: false, reason: 'a first apply was interrupted' };
  if (record.hash !== opts.hash) return { skip: false, reason: 'configuration changed since the last apply' };
  if (opts.state !== undefined) {
    const was = record.state;
    if (!opts.state || !was || was.lineage !== opts.state.lineage || was.serial !== opts.state.serial)
      return { skip: false, reason: 'state changed since the last apply' };
  }
  return { skip: true };
}

let cachedToolVersion: string | undefined;

/** Our package.json version (the project root holds it, from src/ and dist/src/ alike). */
function toolVersion(): string {
  if (cachedToolVersion === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as {
        version?: string;
      };
      cachedToolVersion = pkg.version ?? 'unknown';
    } catch {
      cachedToolVersion = 'unknown';
    }
  }
  return cachedToolVersion;
}
