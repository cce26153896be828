import { cleanupNotes, deleteRunGroups, runGroups } from '../../../src/verify/cleanup';

const RUN = 'abcd1234';

describe('runGroups', () => {
  it("collects every group id carrying the run's mark, under any owner's prefix, and nothing else", () => {
    expect(
      runGroups(
        [
          'acme.billing', // a tenant's real group
          `acme.kafka-tenancy-verify-${RUN}-billing-0`, // positive.consume
          `globex.kafka-tenancy-verify-${RUN}`, // a negative probe that was wrongly let through
          `platform.analytics.kafka-tenancy-verify-${RUN}-1`, // shared-tier.platform-read
          `kafka-tenancy-verify-${RUN}`, // the SDK gate check without a platform consumer
          `acme.kafka-tenancy-verify-${RUN}5-billing-0`, // another run whose id starts with ours
          'acme.kafka-tenancy-verify-ffff0000-billing-0', // another run
          `acme.my-kafka-tenancy-verify-${RUN}`, // a tenant's own name that merely contains it
        ],
        RUN,
      ),
    ).toEqual([
      `acme.kafka-tenancy-verify-${RUN}-billing-0`,
      `globex.kafka-tenancy-verify-${RUN}`,
      `kafka-tenancy-verify-${RUN}`,
      `platform.analytics.kafka-tenancy-verify-${RUN}-1`,
    ]);
  });
});

describe('deleteRunGroups', () => {
  const listed = {
    groups: [`acme.kafka-tenancy-verify-${RUN}-billing-0`, 'acme.billing'].map((groupId) => ({
      groupId,
      protocolType: 'consumer',
    })),
  };

  it("deletes the run's groups as the admin and only those", async () => {
    const deleteGroups = jest.fn(async (ids: string[]) => ids.map((groupId) => ({ groupId })));
    const admin = async () => ({ listGroups: async () => listed, deleteGroups });
    const res = await deleteRunGroups('shared', admin as never, RUN);
    expect(deleteGroups).toHaveBeenCalledWith([`acme.kafka-tenancy-verify-${RUN}-billing-0`]);
    expect(res).toEqual({ cluster: 'shared', deleted: [`acme.kafka-tenancy-verify-${RUN}-billing-0`] });
  });

  it('sends no delete when the run left no group', async () => {
    const deleteGroups = jest.fn();
    const admin = async () => ({ listGroups: async () => ({ groups: [] }), deleteGroups });
    expect(await deleteRunGroups('shared', admin as never, RUN)).toEqual({ cluster: 'shared', deleted: [] });
    expect(deleteGroups).not.toHaveBeenCalled();
  });

  it('reports the groups the broker refused to delete, with its error', async () => {
    const two = {
      groups: [`a.kafka-tenancy-verify-${RUN}-x-0`, `b.kafka-tenancy-verify-${RUN}`].map((groupId) => ({
        groupId,
        protocolType: '',
      })),
    };
    const refusal = Object.assign(new Error('Error in DeleteGroups'), {
      name: 'KafkaJSDeleteGroupsError',
      groups: [{ groupId: `b.kafka-tenancy-verify-${RUN}`, errorCode: 68, error: { type: 'NON_EMPTY_GROUP' } }],
    });
    const admin = async () => ({ listGroups: async () => two, deleteGroups: async () => Promise.reject(refusal) });
    const res = await deleteRunGroups('shared', admin as never, RUN);
    expect(res.deleted).toEqual([`a.kafka-tenancy-verify-${RUN}-x-0`]);
    expect(res.problem).toMatch(
      new RegExp(
        `^1 of the run's 2 consumer group\\(s\\) on shared could not be deleted: b.kafka-tenancy-verify-${RUN} \\(NON_EMPTY_GROUP\\); they are empty`,
      ),
    );
  });

  it('gives up at its deadline and says so, never throwing', async () => {
    const admin = () => new Promise<never>(() => undefined);
    const res = await deleteRunGroups('shared', admin as never, RUN, 20);
    expect(res).toMatchObject({ cluster: 'shared', deleted: [] });
    expect(res.problem).toMatch(
      /^the run's consumer groups on shared were not deleted \(deleting the run's consumer groups on shared: no answer within 0.02 s\)/,
    );
  });

  it('turns a failed login into a note too', async () => {
    const admin = async () => Promise.reject(new Error('SASL SCRAM SHA512 authentication failed: …'));
    const res = await deleteRunGroups('shared', admin as never, RUN);
    expect(res.problem).toContain('(SASL SCRAM SHA512 authentication failed: …)');
  });
});

describe('cleanupNotes', () => {
  it('says how many groups went, per cluster, and every problem', () => {
    expect(
      cleanupNotes([
        { cluster: 'dedicated', deleted: ['x'] },
        { cluster: 'shared', deleted: ['a', 'b'], problem: 'p' },
        { cluster: 'other', deleted: [] },
      ]),
    ).toEqual(["deleted the run's 3 consumer group(s): dedicated 1, shared 2", 'p']);
    expect(cleanupNotes([{ cluster: 'shared', deleted: [] }])).toEqual([]);
  });
});
