/**
 * Negative control of the verification suite: a suite that passes on a correct platform proves nothing unless it
 * fails on a broken one. Each case breaks the deployed local platform out of band — as an operator with admin
 * credentials could by mistake — runs `verify` scoped to the tenants involved, expects it to FAIL naming the
 * violated checks (and nothing it cannot explain), undoes the mistake and expects it to PASS again.
 *
 * Mutations are undone in `finally` and once more after all cases, so a failing assertion never leaves the shared
 * clusters broken for the other engineers' tests.
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin } from 'kafkajs';
import { adminCredentials } from '../../src/platform/identities';
import type { Model } from '../../src/model/types';
import { type VerificationReport, runVerification } from '../../src/verify';
import { VERIFY_MARK } from '../../src/verify/context';
import { RawSession } from '../../src/verify/raw';
import { type LocalPlatform, requireLocalPlatform, suffix } from './support';
import { ConfigCommand, ensureFleetDeployed, identitiesOf } from './verify-support';

jest.setTimeout(900_000);

interface AclSpec {
  readonly principal: string;
  readonly resourceType: AclResourceTypes;
  readonly patternType: ResourcePatternTypes;
  readonly resourceName: string;
  readonly operation: AclOperationTypes;
  /** @default '*' */
  readonly host?: string;
}

/** The all-pairs proof from live ACLs: any binding that lets a principal reach another tenant fails it. */
const ACL_REACH = /^conformance\.acl-reach(-others)?:/;

interface Mutation {
  apply(): Promise<void>;
  undo(): Promise<void>;
  /** Checks that must fail (exact ids, or patterns that must match at least one failure each). */
  readonly mustFail: ReadonlyArray<string | RegExp>;
  /** Other checks the mistake may also (legitimately) fail. Anything else failing is a defect of the suite. */
  readonly mayFail?: readonly RegExp[];
  /** More to assert about the failing run (while the mistake is in place). */
  readonly alsoExpect?: (broken: VerificationReport) => Promise<void>;
}

/** One mistake: its name and `verify --tenants` scope are known up front; the rest is built once the model is loaded. */
interface Case {
  readonly name: string;
  /** `[]`: the whole fleet (the cluster-wide identity checks run only then). */
  readonly scope: readonly string[];
  readonly quotas?: boolean;
  readonly make: () => Mutation;
}

const TOPIC = AclResourceTypes.TOPIC;
const GROUP = AclResourceTypes.GROUP;
const CLUSTER = AclResourceTypes.CLUSTER;
const PREFIXED = ResourcePatternTypes.PREFIXED;
const LITERAL = ResourcePatternTypes.LITERAL;
const READ = AclOperationTypes.READ;
const DESCRIBE = AclOperationTypes.DESCRIBE;
const WRITE = AclOperationTypes.WRITE;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('verify negative control: out-of-band mistakes on the live platform', () => {
  let platform: LocalPlatform;
  let model: Model;
  let tool: ConfigCommand;
  const admins = new Map<string, Admin>();
  const undoAll: Array<() => Promise<void>> = [];

  const admin = async (cluster: string): Promise<Admin> => {
    let a = admins.get(cluster);
    if (!a) {
      a = platform.admin(cluster);
      await a.connect();
      admins.set(cluster, a);
    }
    return a;
  };

  const aclFilter = (s: AclSpec) => ({
    resourceType: s.resourceType,
    resourceName: s.resourceName,
    resourcePatternType: s.patternType,
    principal: s.principal,
    host: s.host ?? '*',
    operation: s.operation,
    permissionType: AclPermissionTypes.ALLOW,
  });

  /** Wait until the broker's authorizer answers DescribeAcls with (or without) the binding. */
  const aclPresent = async (cluster: string, s: AclSpec, present: boolean) => {
    const a = await admin(cluster);
    for (let i = 0; i < 50; i++) {
      const res = await a.describeAcls(aclFilter(s));
      if (res.resources.some((r) => r.acls.length > 0) === present) return;
      await sleep(100);
    }
    throw new Error(`ACL ${JSON.stringify(s)} did not ${present ? 'appear' : 'disappear'} on ${cluster}`);
  };
  const addAcl = async (cluster: string, s: AclSpec) => {
    await (await admin(cluster)).createAcls({ acl: [aclFilter(s)] });
    await aclPresent(cluster, s, true);
  };
  const removeAcl = async (cluster: string, s: AclSpec) => {
    await (await admin(cluster)).deleteAcls({ filters: [aclFilter(s)] });
    await aclPresent(cluster, s, false);
  };
  const createTopic = async (cluster: string, topic: string) => {
    await (
      await admin(cluster)
    ).createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  };
  const deleteTopic = async (cluster: string, topic: string) => {
    const a = await admin(cluster);
    if ((await a.listTopics()).includes(topic)) await a.deleteTopics({ topics: [topic] });
  };

  /** Wait until the broker's metadata image shows a SCRAM or quota change made with ConfigCommand. */
  const identitiesShow = async (
    cluster: string,
    what: string,
    test: (ids: Awaited<ReturnType<typeof identitiesOf>>) => boolean,
  ) => {
    for (let i = 0; i < 50; i++) {
      if (test(await identitiesOf(platform, cluster))) return;
      await sleep(100);
    }
    throw new Error(`${what} did not show on ${cluster}`);
  };
  const scramUser = (cluster: string, user: string, present: boolean) =>
    identitiesShow(cluster, `SCRAM user ${user} ${present ? 'added' : 'deleted'}`, (ids) =>
      present ? ids.users.some((u) => u.user === user) : !ids.users.some((u) => u.user === user),
    );
  const userQuota = (cluster: string, user: string | null, producerByteRate: number | undefined) =>
    identitiesShow(cluster, `quota of user ${user ?? '<default>'}`, (ids) => {
      const q = ids.quotas.find(
        (e) => e.entity.length === 1 && e.entity[0]!.entityType === 'user' && e.entity[0]!.entityName === user,
      );
      return q?.values.producer_byte_rate === producerByteRate;
    });
  const setUserQuota = async (cluster: string, user: string, q: Model['platform']['consumers'][number]['quota']) => {
    tool.setUserQuota(cluster, user, q);
    await userQuota(cluster, user, q.producerByteRate);
  };
  const deleteUserQuota = async (cluster: string, user: string) => {
    tool.deleteUserQuota(cluster, user);
    await userQuota(cluster, user, undefined);
  };

  const verify = (c: Case): Promise<VerificationReport> =>
    runVerification({ model, secrets: platform.secrets, tenants: c.scope, skipQuotas: !c.quotas });

  const failures = (r: VerificationReport) => r.results.filter((x) => x.status !== 'pass');
  const describeFailures = (r: VerificationReport) =>
    failures(r).map((x) => `${x.status} ${x.id}: expected ${x.expected}, observed ${x.observed}`);

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    model = await ensureFleetDeployed(platform);
    tool = ConfigCommand.ensure(platform);
  });

  afterAll(async () => {
    for (const undo of undoAll.splice(0).reverse()) await undo().catch(() => undefined);
    await Promise.all([...admins.values()].map((a) => a.disconnect()));
  });

  const tenant = (id: string) => model.tenants.find((t) => t.id === id)!;
  const principal = (user: string) =>
    [...model.tenants.flatMap((t) => t.principals), ...model.platform.consumers].find((p) => p.username === user)!;
  const shared = () => model.env.sharedCluster;

  /** A topic under a tenant prefix on the shared cluster that the model does not declare. */
  const rogueTopicCase = (name: string, tenant: string, mustFail: string): Case => ({
    name,
    scope: [tenant],
    make: () => {
      const topic = `${tenant}.rogue-${suffix()}`;
      return {
        apply: () => createTopic(shared(), topic),
        undo: () => deleteTopic(shared(), topic),
        mustFail: [mustFail],
      };
    },
  });

  const cases: Case[] = [
    {
      name: 'an ALLOW for User:* on a tenant prefix',
      scope: ['acme'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:*',
          resourceType: TOPIC,
          patternType: PREFIXED,
          resourceName: 'acme.',
          operation: READ,
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: [
            'negative.fetch:globex.api->acme',
            'negative.fetch:platform.analytics->acme',
            'negative.existence-oracle:initech.search-indexer->acme',
            'conformance.acl-exposure:acme',
            'conformance.acl-hygiene:shared',
          ],
          // READ implies DESCRIBE: a delete of a missing topic then answers UNKNOWN_TOPIC_OR_PARTITION.
          mayFail: [ACL_REACH, /^negative\.(fetch|metadata|list-offsets|existence-oracle|delete-topic):[^>]+->acme$/],
        };
      },
    },
    {
      name: 'a PREFIXED ACL without the separator ("acme" instead of "acme.") for another tenant',
      scope: ['acme', 'globex'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:globex.api',
          resourceType: TOPIC,
          patternType: PREFIXED,
          resourceName: 'acme',
          operation: READ,
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: [
            'negative.fetch:globex.api->acme',
            'negative.metadata-leak:globex.api',
            'conformance.acls:globex.api',
            'conformance.acl-exposure:acme',
            'conformance.acl-hygiene:shared',
          ],
          mayFail: [ACL_REACH, /^negative\.(metadata|list-offsets|existence-oracle|delete-topic):globex\.api->acme$/],
        };
      },
    },
    {
      name: 'a literal "*" consumer group grant',
      scope: ['acme'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:acme.billing',
          resourceType: GROUP,
          patternType: LITERAL,
          resourceName: '*',
          operation: READ,
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: [
            'negative.join-group:acme.billing->globex',
            'negative.fetch-offsets:acme.billing->globex',
            'conformance.acls:acme.billing',
            'conformance.acl-hygiene:shared',
          ],
          mayFail: [ACL_REACH, /^negative\.(join-group|commit-offsets|fetch-offsets):acme\.billing->/],
        };
      },
    },
    {
      // Once stayed green in negative.fetch: the probes picked another topic of acme (acme.invoices) than the one
      // the grant names. They now aim at the foreign topic a live binding of the actor reaches.
      name: "READ from one host on one of another tenant's topics (not the one probes pick by default)",
      scope: ['globex'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:globex.api',
          resourceType: TOPIC,
          patternType: LITERAL,
          resourceName: 'acme.orders',
          operation: READ,
          host: '127.0.0.1',
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: [
            'negative.fetch:globex.api->acme',
            'conformance.acls:globex.api',
            'conformance.acl-reach:globex.api',
          ],
          // READ implies DESCRIBE: metadata, offsets, configs and listings of acme.orders are answered too.
          mayFail: [
            ACL_REACH,
            /^negative\.(metadata|list-offsets|existence-oracle|delete-topic|describe-configs|alter-configs|join-group|commit-offsets|fetch-offsets):globex\.api->acme$/,
            /^negative\.metadata-leak:globex\.api$/,
          ],
        };
      },
    },
    {
      name: "WRITE on another tenant's topics (the produce probe must fail without writing anything)",
      scope: ['globex'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:globex.api',
          resourceType: TOPIC,
          patternType: PREFIXED,
          resourceName: 'acme.',
          operation: WRITE,
        };
        const ends = new Map<string, string>();
        const endOffsets = async () => {
          const a = await admin(shared());
          const out = new Map<string, string>();
          for (const t of tenant('acme').topics.map((x) => x.name)) {
            for (const p of await a.fetchTopicOffsets(t)) out.set(`${t}/${p.partition}`, p.high);
          }
          return out;
        };
        return {
          apply: async () => {
            await addAcl(shared(), s);
            for (const [k, v] of await endOffsets()) ends.set(k, v);
          },
          undo: () => removeAcl(shared(), s),
          mustFail: [
            'conformance.acl-reach:globex.api',
            'negative.produce:globex.api->acme',
            'negative.metadata-leak:globex.api',
            'conformance.acls:globex.api',
          ],
          // WRITE implies DESCRIBE: metadata, offsets and a delete of a missing topic are answered too.
          mayFail: [ACL_REACH, /^negative\.(metadata|list-offsets|existence-oracle|delete-topic):globex\.api->acme$/],
          alsoExpect: async (broken) => {
            const produce = broken.results.find((r) => r.id === 'negative.produce:globex.api->acme')!;
            const probed = /^produce to (\S+) partition (\d+): UNKNOWN_TOPIC_OR_PARTITION$/.exec(produce.observed);
            expect(probed).not.toBeNull();
            const [, topic, partition] = probed!;
            const now = await (await admin(shared())).fetchTopicOffsets(topic!);
            // It aimed at a partition that does not exist, and no record of this run landed in the topic (other
            // writers may have added records meanwhile: only records carrying this run's header count).
            expect(Number(partition)).toBe(now.length);
            const s = await RawSession.open(platform.brokers(shared()), adminCredentials(platform.secrets, shared()));
            try {
              for (const p of now) {
                const from = ends.get(`${topic}/${p.partition}`)!;
                if (from === p.high) continue;
                const records = await s.fetch(topic!, p.partition, from);
                expect(records.filter((r) => r.headers?.[VERIFY_MARK]?.toString() === broken.runId)).toEqual([]);
              }
            } finally {
              await s.close();
            }
          },
        };
      },
    },
    {
      name: 'READ on a shared topic for a shared-tier tenant',
      scope: ['startup'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:startup.shop',
          resourceType: TOPIC,
          patternType: LITERAL,
          resourceName: 'shared.orders.placed',
          operation: READ,
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: [
            'shared-tier.tenant-read-denied:startup.shop->shared.orders.placed',
            'conformance.acls:startup.shop',
          ],
          mayFail: [ACL_REACH],
        };
      },
    },
    {
      name: 'a deleted quota',
      scope: ['startup'],
      quotas: true,
      make: () => {
        const user = 'startup.shop';
        return {
          apply: () => deleteUserQuota(shared(), user),
          undo: () => setUserQuota(shared(), user, principal(user).quota),
          mustFail: ['conformance.quota:startup.shop', 'quota.enforced:startup.shop'],
        };
      },
    },
    {
      // The noisy-neighbour check floods with the lowest-quota producer of a topic of its own (shared-tier
      // principals own none): on the example fleet acme.storefront, next to globex.api.
      name: "the noisy neighbour's quota deleted",
      scope: ['acme', 'globex'],
      quotas: true,
      make: () => {
        const user = 'acme.storefront';
        return {
          apply: () => deleteUserQuota(shared(), user),
          undo: () => setUserQuota(shared(), user, principal(user).quota),
          mustFail: [
            'conformance.quota:acme.storefront',
            'quota.enforced:acme.storefront',
            /^quota\.noisy-neighbour:acme\.storefront\+/,
          ],
        };
      },
    },
    {
      name: 'a changed retention',
      scope: ['acme'],
      make: () => {
        const topic = tenant('acme').topics.find((t) => t.logicalName === 'orders')!;
        return {
          apply: async () => tool.setTopicConfig(shared(), topic.name, 'retention.ms', '3600000'),
          undo: async () => tool.setTopicConfig(shared(), topic.name, 'retention.ms', topic.config['retention.ms']!),
          mustFail: ['conformance.topic:acme.orders'],
        };
      },
    },
    {
      name: 'cluster DESCRIBE for a tenant',
      scope: ['acme'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:acme.billing',
          resourceType: CLUSTER,
          patternType: LITERAL,
          resourceName: 'kafka-cluster',
          operation: DESCRIBE,
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: [
            'negative.describe-acls:acme.billing',
            'conformance.acls:acme.billing',
            'conformance.acl-hygiene:shared',
          ],
          mayFail: [ACL_REACH],
        };
      },
    },
    {
      name: 'READ on every topic for the deployer (an operator must never read data)',
      scope: [],
      make: () => {
        const s: AclSpec = {
          principal: 'User:platform-deployer',
          resourceType: TOPIC,
          patternType: LITERAL,
          resourceName: '*',
          operation: READ,
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: ['conformance.operator-acls:shared', 'negative.operator-no-data:platform-deployer@shared'],
        };
      },
    },
    {
      name: 'topic DELETE for the planner (it only plans)',
      scope: [],
      make: () => {
        const s: AclSpec = {
          principal: 'User:platform-planner',
          resourceType: TOPIC,
          patternType: LITERAL,
          resourceName: '*',
          operation: AclOperationTypes.DELETE,
        };
        return {
          apply: () => addAcl(shared(), s),
          undo: () => removeAcl(shared(), s),
          mustFail: ['conformance.operator-acls:shared', 'negative.planner-read-only:shared'],
        };
      },
    },
    {
      name: "a dedicated tenant's credential created on the shared cluster",
      scope: ['finbank'],
      make: () => {
        const user = 'finbank.core-banking';
        return {
          apply: async () => {
            tool.addScramCredential(shared(), user, platform.secrets.get(principal(user).secretName)!);
            await scramUser(shared(), user, true);
          },
          undo: async () => {
            tool.deleteScramCredential(shared(), user);
            await scramUser(shared(), user, false);
          },
          mustFail: [
            'dedicated-tier.auth-refused:finbank.core-banking@shared',
            'conformance.scram-credential:finbank.core-banking',
          ],
        };
      },
    },
    {
      // Logins alone cannot see this one: with another password the credential does not authenticate anywhere.
      name: "a tenant principal's credential created on the wrong cluster with another password",
      scope: ['acme'],
      make: () => {
        const user = 'acme.billing';
        const other = () => Object.keys(model.env.clusters).find((c) => c !== tenant('acme').cluster)!;
        return {
          apply: async () => {
            tool.addScramCredential(other(), user, `another-password-${suffix()}`);
            await scramUser(other(), user, true);
          },
          undo: async () => {
            tool.deleteScramCredential(other(), user);
            await scramUser(other(), user, false);
          },
          mustFail: ['conformance.scram-credential:acme.billing'],
        };
      },
    },
    {
      name: 'an extra SCRAM user that no tenant file declares, without any ACL',
      scope: [],
      make: () => {
        const user = `intruder-${suffix()}`;
        return {
          apply: async () => {
            tool.addScramCredential(shared(), user, `intruder-password-${suffix()}`);
            await scramUser(shared(), user, true);
          },
          undo: async () => {
            tool.deleteScramCredential(shared(), user);
            await scramUser(shared(), user, false);
          },
          mustFail: ['conformance.scram-users:shared'],
          alsoExpect: async (broken) => {
            const r = broken.results.find((x) => x.id === 'conformance.scram-users:shared')!;
            expect(r.details).toEqual([expect.stringMatching(new RegExp(`^extra: ${user} \\(SCRAM-SHA-512`))]);
          },
        };
      },
    },
    {
      // 100x its burst is far beyond the behavioural probes' byte budget: only the admin API can see this.
      name: 'a quota raised 100x on a principal whose burst exceeds the probe budget (platform.analytics)',
      scope: ['platform'],
      make: () => {
        const user = 'platform.analytics';
        const q = () => principal(user).quota;
        return {
          apply: () =>
            setUserQuota(shared(), user, {
              producerByteRate: q().producerByteRate * 100,
              consumerByteRate: q().consumerByteRate * 100,
              requestPercentage: q().requestPercentage,
            }),
          undo: () => setUserQuota(shared(), user, q()),
          mustFail: ['conformance.quota:platform.analytics'],
        };
      },
    },
    {
      name: 'a deleted quota on a dedicated-tier principal (never probed by behaviour: its burst exceeds the budget)',
      scope: ['finbank'],
      make: () => {
        const user = 'finbank.core-banking';
        const cluster = () => tenant('finbank').cluster;
        return {
          apply: () => deleteUserQuota(cluster(), user),
          undo: () => setUserQuota(cluster(), user, principal(user).quota),
          mustFail: ['conformance.quota:finbank.core-banking'],
        };
      },
    },
    {
      name: 'a <default> user quota',
      scope: [],
      make: () => {
        // Generous: the default applies to the admin (no quota of its own), which must not be throttled meanwhile.
        const GIB = 1024 * 1024 * 1024;
        const entity = [{ entityType: 'user', entityName: null }];
        return {
          apply: async () => {
            tool.setQuota(shared(), entity, { producer_byte_rate: GIB, consumer_byte_rate: GIB });
            await userQuota(shared(), null, GIB);
          },
          undo: async () => {
            tool.deleteQuota(shared(), entity, ['producer_byte_rate', 'consumer_byte_rate']);
            await userQuota(shared(), null, undefined);
          },
          mustFail: ['conformance.quota-entities:shared'],
        };
      },
    },
    rogueTopicCase('an undeclared topic under a tenant prefix', 'acme', 'conformance.unknown-topics:acme'),
    rogueTopicCase("a dedicated tenant's topic on the shared cluster", 'finbank', 'dedicated-tier.placement:finbank'),
    {
      name: 'a removed grant the tenant needs (positive checks can fail too)',
      scope: ['acme'],
      make: () => {
        const s: AclSpec = {
          principal: 'User:acme.billing',
          resourceType: TOPIC,
          patternType: PREFIXED,
          resourceName: 'acme.',
          operation: READ,
        };
        return {
          apply: () => removeAcl(shared(), s),
          undo: () => addAcl(shared(), s),
          mustFail: ['positive.consume:acme.billing->acme.orders', 'conformance.acls:acme.billing'],
        };
      },
    },
    {
      name: "a removed platform consumer's READ on the shared topics",
      scope: ['platform'],
      make: () => {
        // The READ grants the model derives for it on the shared topics (LITERAL per declared topic since d76129a):
        // taken from the model so the case removes what is really deployed, never nothing. Its READ grants on premium
        // topics (`<tenant>.premium.<topic>`, one per premium topic of the fleet) are not this mistake.
        const specs: AclSpec[] = principal('platform.analytics')
          .acls.filter(
            (b) => b.resourceType === 'Topic' && b.operation === 'Read' && b.resourceName.startsWith('shared.'),
          )
          .map((b) => ({
            principal: b.principal,
            resourceType: TOPIC,
            patternType: b.patternType === 'Prefixed' ? PREFIXED : LITERAL,
            resourceName: b.resourceName,
            operation: READ,
          }));
        return {
          apply: async () => {
            expect(specs.map((x) => x.resourceName).sort()).toEqual(['shared.orders.placed', 'shared.orders.shipped']);
            for (const x of specs) await aclPresent(shared(), x, true);
            for (const x of specs) await removeAcl(shared(), x);
          },
          undo: async () => {
            for (const x of specs) await addAcl(shared(), x);
          },
          mustFail: [
            'shared-tier.platform-read:platform.analytics->shared.orders.placed',
            'shared-tier.platform-read:platform.analytics->shared.orders.shipped',
            'conformance.acls:platform.analytics',
          ],
        };
      },
    },
  ];

  it('passes on the deployed fleet before anything is broken', async () => {
    const scope = cases.some((c) => c.scope.length === 0) ? [] : [...new Set(cases.flatMap((c) => c.scope))];
    const report = await runVerification({ model, secrets: platform.secrets, tenants: scope, skipQuotas: true });
    expect(describeFailures(report)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    'fails on %s, naming the violated checks, and passes once it is undone',
    async (_name, c) => {
      const m = c.make();
      let undone = false;
      const undo = async () => {
        if (!undone) await m.undo();
        undone = true;
      };
      undoAll.push(undo);
      try {
        await m.apply();
        const broken = await verify(c);
        const failed = failures(broken);
        expect(broken.ok).toBe(false);
        expect(failed.filter((r) => r.status === 'error').map((r) => `${r.id}: ${r.observed}`)).toEqual([]);
        const ids = failed.map((r) => r.id);
        for (const want of m.mustFail) {
          if (typeof want === 'string') expect(ids).toContain(want);
          else expect(ids.filter((id) => want.test(id))).not.toHaveLength(0);
        }
        const explained = (id: string) =>
          m.mustFail.some((w) => (typeof w === 'string' ? w === id : w.test(id))) ||
          (m.mayFail ?? []).some((re) => re.test(id));
        expect(ids.filter((id) => !explained(id))).toEqual([]);
        await m.alsoExpect?.(broken);
      } finally {
        await undo();
      }
      const repaired = await verify(c);
      expect(describeFailures(repaired)).toEqual([]);
      expect(repaired.ok).toBe(true);
    },
  );
});
