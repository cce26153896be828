import * as path from 'node:path';
import type { App } from 'cdktf';
import { stateDir } from '../paths';
import type { Model } from '../model/types';
import { PLATFORM_STACK, PlatformStack } from './platform-stack';
import { TenantStack } from './tenant-stack';

export { PLATFORM_STACK } from './platform-stack';

/**
 * One platform stack plus one stack per tenant. No stack references another, so none declares a cdktf
 * dependency: `cdktf deploy acme` deploys tenant `acme` alone (a dependency would make cdktf insist on
 * deploying `platform` too, or on `--ignore-missing-stack-dependencies`). Our own runs still apply the platform
 * first: see deployOrder.
 */
export function buildStacks(
  app: App,
  model: Model,
  /** Only these stacks (undefined: every stack). A stack's output never depends on another stack being built. */
  only?: readonly string[],
): { platform?: PlatformStack; tenants: TenantStack[] } {
  const selected = only ? new Set(only) : undefined;
  const wanted = (stack: string) => !selected || selected.has(stack);
  // State path relative to cdktf.out/stacks/<name>, so the synthesized JSON holds no machine-specific path.
  const statePath = (stack: string) =>
    path.relative(path.join(app.outdir, 'stacks', stack), path.join(stateDir(model.env.name), `${stack}.tfstate`));
  const platform = wanted(PLATFORM_STACK)
    ? new PlatformStack(app, { env: model.env, platform: model.platform, localStatePath: statePath(PLATFORM_STACK) })
    : undefined;
  const tenants = model.tenants
    .filter((tenant) => wanted(tenant.id))
    .map((tenant) => new TenantStack(app, { env: model.env, tenant, localStatePath: statePath(tenant.id) }));
  return { platform, tenants };
}

/**
 * Stack names in the order kafka-tenancy deploys and plans them: `platform` first (the shared topics exist
 * before any tenant of the shared tier uses them), then the tenants by name. Tenant stacks are independent.
 */
export function deployOrder(stacks: Iterable<string>): string[] {
  return [...new Set(stacks)].sort((a, b) =>
    a === b ? 0 : a === PLATFORM_STACK ? -1 : b === PLATFORM_STACK ? 1 : a < b ? -1 : 1,
  );
}
