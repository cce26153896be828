/**
 * What applications declare (their intent): topics that exist, groups with consumers, ids used once, quotas
 * within bounds.
 */
import { groupId, transactionalId } from '../../naming';
import { or, perApp, repeats, sameApp, sharedTopicNames, type Rule } from './context';

export const APPLICATION_RULES: readonly Rule[] = [
  {
    code: 'duplicate_application',
    describe: 'an application name is declared once per tenant',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'duplicate_application',
          t.spec.applications.map((a, i) => [a.name, `applications[${i}].name`] as const),
          (name, first) =>
            `"${name}" is already declared at ${first}; each application gets its own user: rename or merge them`,
        ),
      ),
  },
  {
    code: 'application_without_intent',
    describe: 'every application produces or consumes something',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        app.produces.length === 0 && app.consumes.length === 0
          ? {
              file: t.file,
              path: at,
              code: 'application_without_intent',
              message: `"${app.name}" declares neither produces nor consumes, so it would get a user with no access; declare what it produces or consumes, or remove it`,
            }
          : undefined,
      ),
  },
  {
    code: 'unknown_topic',
    describe: "produces/consumes name the tenant's own topics (shared tier: the environment's shared topics)",
    check: (ctx) =>
      perApp(ctx, (t, app, at) => {
        const shared = t.spec.tier === 'shared';
        const known = shared ? sharedTopicNames(ctx.env) : [...new Set(t.spec.topics.map((x) => x.name))].sort();
        const check = (field: 'produces' | 'consumes') =>
          app[field].flatMap((name, j) =>
            known.includes(name)
              ? []
              : [
                  {
                    file: t.file,
                    path: `${at}.${field}[${j}]`,
                    code: 'unknown_topic',
                    message: shared
                      ? `"${name}" is not a shared topic of environment "${ctx.env.name}" (shared topics: ${or(known, 'none')}); fix the name, or ask the platform team to add the shared topic`
                      : `"${name}" is not a topic of this tenant (declared: ${or(known, 'none')}); declare it under topics or fix the name (tenants cannot reach other tenants' topics)`,
                  },
                ],
          );
        // Consuming on the shared tier is its own rule; naming the topic there would only add noise.
        return shared ? check('produces') : [...check('produces'), ...check('consumes')];
      }),
  },
  {
    code: 'shared_tier_consume',
    describe: 'shared-tier tenants only write; platform consumers are the only readers of shared topics',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        t.spec.tier === 'shared' && app.consumes.length > 0
          ? {
              file: t.file,
              path: `${at}.consumes`,
              code: 'shared_tier_consume',
              message: `shared-tier tenants may only write shared topics, got consumes: [${app.consumes.join(', ')}]; only platform consumers (${or(
                ctx.env.platformConsumers.map((p) => p.name).sort(),
                'none',
              )}) read them: remove consumes, or choose tier topic-per-tenant to read your own topics`,
            }
          : undefined,
      ),
  },
  {
    code: 'consumer_without_group',
    describe: 'an application that consumes declares at least one consumer group',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        t.spec.tier !== 'shared' && app.consumes.length > 0 && app.groups.length === 0
          ? {
              file: t.file,
              path: `${at}.groups`,
              code: 'consumer_without_group',
              message: `is empty, but "${app.name}" consumes ${app.consumes.join(', ')}; consuming needs a consumer group: add e.g. groups: [${app.name}] (becomes ${groupId(t.spec.id, app.name)})`,
            }
          : undefined,
      ),
  },
  {
    code: 'group_without_consume',
    describe: 'groups are declared only by applications that consume',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        app.groups.length > 0 && (app.consumes.length === 0 || t.spec.tier === 'shared')
          ? {
              file: t.file,
              path: `${at}.groups`,
              code: 'group_without_consume',
              message:
                t.spec.tier === 'shared'
                  ? `shared-tier tenants do not consume, so groups [${app.groups.join(', ')}] would never be used; remove groups`
                  : `"${app.name}" declares groups [${app.groups.join(', ')}] but consumes nothing; add consumes, or remove groups`,
            }
          : undefined,
      ),
  },
  {
    code: 'transactional_id_without_produce',
    describe: 'transactional ids are declared only by applications that produce',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        app.transactionalIds.length > 0 && app.produces.length === 0
          ? {
              file: t.file,
              path: `${at}.transactionalIds`,
              code: 'transactional_id_without_produce',
              message: `"${app.name}" declares transactionalIds [${app.transactionalIds.join(', ')}] but produces nothing; add produces, or remove transactionalIds`,
            }
          : undefined,
      ),
  },
  {
    code: 'duplicate_group',
    describe: 'a consumer group is declared once per tenant (two applications in one group split its partitions)',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'duplicate_group',
          t.spec.applications.flatMap((a, i) =>
            a.groups.map((g, j) => [g, `applications[${i}].groups[${j}]`] as const),
          ),
          (g, first, at) =>
            sameApp(first, at)
              ? `"${g}" is already listed at ${first}; list each group once`
              : `"${g}" (${groupId(t.spec.id, g)}) is already declared at ${first}; applications sharing a group split its partitions between them: give each application its own group`,
        ),
      ),
  },
  {
    code: 'duplicate_transactional_id',
    describe: 'a transactional id is declared once per tenant (two producers with one id fence each other)',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'duplicate_transactional_id',
          t.spec.applications.flatMap((a, i) =>
            a.transactionalIds.map((x, j) => [x, `applications[${i}].transactionalIds[${j}]`] as const),
          ),
          (x, first, at) =>
            sameApp(first, at)
              ? `"${x}" is already listed at ${first}; list each transactional id once`
              : `"${x}" (${transactionalId(t.spec.id, x)}) is already declared at ${first}; producers sharing a transactional id fence each other off: use one id per producer`,
        ),
      ),
  },
  {
    code: 'quota_out_of_bounds',
    describe: "application quotas stay within the tier's bounds (tierDefaults.<tier>.quotaBounds)",
    check: (ctx) =>
      perApp(ctx, (t, app, at) => {
        const bounds = ctx.env.tierDefaults[t.spec.tier].quotaBounds;
        const limits = [
          ['producerByteRate', bounds.maxProducerByteRate],
          ['consumerByteRate', bounds.maxConsumerByteRate],
          ['requestPercentage', bounds.maxRequestPercentage],
        ] as const;
        return limits.flatMap(([field, max]) => {
          const value = app.quota?.[field];
          return value !== undefined && value > max
            ? [
                {
                  file: t.file,
                  path: `${at}.quota.${field}`,
                  code: 'quota_out_of_bounds',
                  message: `must be at most ${max} on the ${t.spec.tier} tier, got ${value}; lower it, or move the tenant to a tier with higher bounds`,
                },
              ]
            : [];
        });
      }),
  },
];
