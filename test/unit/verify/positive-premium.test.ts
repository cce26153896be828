import { positiveChecks } from '../../../src/verify/checks/positive';
import { FakeCluster, correctBroker } from './fake-cluster';
import { smallModel } from './fixtures';

describe('positive checks of a premium topic', () => {
  it('a shared-tier producer also writes its own premium copy of the shared topic', () => {
    const model = smallModel({ extra: { shop: 'premiumTopics: [orders.placed]' } });
    const ctx = new FakeCluster(new Map(), correctBroker(model)).context(model);
    const ids = positiveChecks(ctx, ctx.actors()).map((c) => c.id);
    expect(ids).toContain('positive.produce:shop.web->shared.orders.placed');
    expect(ids).toContain('positive.produce:shop.web->shop.premium.orders.placed');
  });

  it('adds nothing for a shared-tier tenant without premium topics', () => {
    const model = smallModel();
    const ctx = new FakeCluster(new Map(), correctBroker(model)).context(model);
    expect(
      positiveChecks(ctx, ctx.actors())
        .map((c) => c.id)
        .filter((id) => id.includes('.premium.')),
    ).toEqual([]);
  });
});
