/**
 * The parts of Terraform's JSON output the pipeline reads (`terraform show -json <plan>`, `terraform show -json`
 * of the state, and the local backend's state file), plus redaction. Plain TypeScript: no cdktf, no terraform.
 *
 * Redaction matters because `show -json` of a plan prints every variable value in clear text, sensitive ones
 * included (the admin password and SCRAM passwords are variables), and marks sensitive attribute values only
 * through the `*_sensitive` masks. Anything written to a plans folder, a PR comment or a log goes through
 * `redactPlan` first.
 */
import { REVOKED_CREDENTIAL_VERSION, secretForVariable } from '../model/terraform-names';
import type { TfModuleValues, TfPlan, TfResourceChange } from './plan-json';
import { SENSITIVE } from './plan-json';

// The plan's shape lives with plan review (the lowest layer that reads plans); re-exported for the pipeline.
export { SENSITIVE, type TfAction, type TfModuleValues, type TfPlan, type TfResourceChange } from './plan-json';

/**
 * Replace every value Terraform marks sensitive with "(sensitive)", and every variable value that is a secret
 * (declared sensitive, or fed from the secret source) likewise. Returns a new object.
 */
export function redactPlan(plan: TfPlan): TfPlan {
  const out = JSON.parse(JSON.stringify(plan)) as {
    variables?: Record<string, { value?: unknown }>;
    resource_changes?: TfResourceChange[];
    planned_values?: { root_module?: TfModuleValues };
    prior_state?: { values?: { root_module?: TfModuleValues } };
  } & TfPlan;
  const declared = plan.configuration?.root_module?.variables ?? {};
  for (const [name, v] of Object.entries(out.variables ?? {})) {
    if (declared[name]?.sensitive || secretForVariable(name) || !(name in declared)) {
      if (v && v.value !== undefined && v.value !== null) v.value = SENSITIVE;
    }
  }
  for (const rc of out.resource_changes ?? []) {
    const c = rc.change as { before: unknown; after: unknown; before_sensitive?: unknown; after_sensitive?: unknown };
    c.before = mask(c.before, c.before_sensitive);
    c.after = mask(c.after, c.after_sensitive);
  }
  redactModule(out.planned_values?.root_module);
  redactModule(out.prior_state?.values?.root_module);
  return out;
}

function redactModule(m: TfModuleValues | undefined): void {
  if (!m) return;
  for (const r of m.resources ?? []) {
    (r as { values?: unknown }).values = mask(r.values, r.sensitive_values);
  }
  for (const child of m.child_modules ?? []) redactModule(child);
}

/** Apply a Terraform sensitivity mask (`true` = sensitive, objects/arrays nest) to a value. */
export function mask(value: unknown, sensitive: unknown): unknown {
  if (sensitive === true) return value === null || value === undefined ? value : SENSITIVE;
  if (!sensitive || typeof sensitive !== 'object' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const s = Array.isArray(sensitive) ? sensitive : [];
    return value.map((v, i) => mask(v, s[i]));
  }
  const s = sensitive as Record<string, unknown>;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mask(v, s[k])]));
}

/** One resource in a stack's current state, whichever way the state was read. */
export interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

/**
 * Resources of a state, from either the local backend's state file (format version 4) or `terraform show -json`
 * without a plan file (`values.root_module`). Managed resources only.
 */
export function stateResources(state: unknown): StateResource[] {
  if (!state || typeof state !== 'object') return [];
  const s = state as {
    resources?: { mode?: string; type: string; name: string; instances?: { attributes?: Record<string, unknown> }[] }[];
    values?: { root_module?: TfModuleValues };
  };
  if (Array.isArray(s.resources)) {
    return s.resources
      .filter((r) => (r.mode ?? 'managed') === 'managed')
      .flatMap((r) =>
        (r.instances ?? []).map((i) => ({
          address: `${r.type}.${r.name}`,
          type: r.type,
          name: r.name,
          values: i.attributes ?? {},
        })),
      );
  }
  const out: StateResource[] = [];
  const walk = (m: TfModuleValues | undefined) => {
    for (const r of m?.resources ?? []) {
      if ((r.mode ?? 'managed') !== 'managed') continue;
      out.push({ address: r.address, type: r.type, name: r.name, values: r.values ?? {} });
    }
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk(s.values?.root_module);
  return out;
}

/** A topic as it is deployed now (from the state). */
export interface DeployedTopic {
  readonly address: string;
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export function deployedTopics(resources: readonly StateResource[]): DeployedTopic[] {
  return resources
    .filter((r) => r.type === 'kafka_topic')
    .map((r) => ({
      address: r.address,
      name: String(r.values.name),
      partitions: Number(r.values.partitions),
      replicationFactor: Number(r.values.replication_factor),
    }));
}

/** Resource addresses a synthesized stack (cdk.tf.json) declares: `<type>.<name>`. */
export function configuredAddresses(stackJson: unknown): string[] {
  const resources = (stackJson as { resource?: Record<string, Record<string, unknown>> } | undefined)?.resource ?? {};
  return Object.entries(resources).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
}

/** A credential in the state that a decommission has revoked (ScramPrincipalProps.revoked), not deleted. */
export function isRevokedCredential(r: StateResource): boolean {
  return r.type === 'kafka_user_scram_credential' && r.values.password_wo_version === REVOKED_CREDENTIAL_VERSION;
}
