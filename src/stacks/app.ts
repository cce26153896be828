import type { App } from 'cdktf';
import type { Model } from '../model/types';
import { PlatformStack } from './platform-stack';
import { TenantStack } from './tenant-stack';

export { PLATFORM_STACK } from './platform-stack';

/** One platform stack plus one stack per tenant. Tenants on the shared cluster deploy after the platform. */
export function buildStacks(app: App, model: Model): { platform: PlatformStack; tenants: TenantStack[] } {
  const platform = new PlatformStack(app, { env: model.env, platform: model.platform });
  const tenants = model.tenants.map((tenant) => {
    const stack = new TenantStack(app, { env: model.env, tenant });
    if (tenant.cluster === model.env.sharedCluster) stack.addDependency(platform);
    return stack;
  });
  return { platform, tenants };
}
