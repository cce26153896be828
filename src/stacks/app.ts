import * as path from 'node:path';
import type { App } from 'cdktf';
import { stateDir } from '../local/paths';
import type { Model } from '../model/types';
import { PLATFORM_STACK, PlatformStack } from './platform-stack';
import { TenantStack } from './tenant-stack';

export { PLATFORM_STACK } from './platform-stack';

/** One platform stack plus one stack per tenant. Tenants on the shared cluster deploy after the platform. */
export function buildStacks(app: App, model: Model): { platform: PlatformStack; tenants: TenantStack[] } {
  // State path relative to cdktf.out/stacks/<name>, so the synthesized JSON holds no machine-specific path.
  const statePath = (stack: string) =>
    path.relative(path.join(app.outdir, 'stacks', stack), path.join(stateDir(model.env.name), `${stack}.tfstate`));
  const platform = new PlatformStack(app, {
    env: model.env,
    platform: model.platform,
    localStatePath: statePath(PLATFORM_STACK),
  });
  const tenants = model.tenants.map((tenant) => {
    const stack = new TenantStack(app, { env: model.env, tenant, localStatePath: statePath(tenant.id) });
    if (tenant.cluster === model.env.sharedCluster) stack.addDependency(platform);
    return stack;
  });
  return { platform, tenants };
}
