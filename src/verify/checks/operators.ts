/**
 * The operator principals (src/platform/identities.ts): on every cluster, their live bindings are exactly
 * `operatorAcls` (so nobody widened them), the planner cannot create, alter or delete anything, and neither the
 * planner nor the deployer can read or write a record. Probes are harmless even when they wrongly succeed:
 * CreateTopics and AlterConfigs run with validateOnly, DeleteTopics names a topic of the run's own, and the
 * produce probe's record carries the verification marker, which the SDK's consumers skip. (ListOffsets and
 * Metadata are DESCRIBE, which both operators hold: not data.)
 */
import { operatorAcls, sameAcl } from '../../acl';
import { OPERATORS, operatorCredentials, PLANNER_USER } from '../../platform/identities';
import { namespacePrefix, PLATFORM_NAMESPACE, principalOf } from '../../naming';
import { describeAcl } from '../acl-diff';
import { VERIFY_MARK, type VerifyContext } from '../context';
import { RawSession, answer, type Answer } from '../raw';
import { PLATFORM } from '../scope';
import type { Check } from '../types';
import { allDenied, marker, succeeded } from './common';

const DENIED_TOPIC = ['TOPIC_AUTHORIZATION_FAILED'];
const DENIED_CREATE = ['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED'];

async function as(ctx: VerifyContext, cluster: string, username: string, run: (s: RawSession) => Promise<unknown>) {
  return answer(async () => {
    const s = await RawSession.open(ctx.brokers(cluster), operatorCredentials(ctx.secrets, username));
    try {
      await run(s);
    } finally {
      await s.close();
    }
  });
}

/** A topic of the cluster to read from: the first declared one there (tenant or shared). */
function someTopic(ctx: VerifyContext, cluster: string): string | undefined {
  const shared = cluster === ctx.model.env.sharedCluster ? ctx.model.platform.topics.map((t) => t.name) : [];
  const tenants = ctx.model.tenants.filter((t) => t.cluster === cluster && t.lifecycle === 'active');
  return [...shared, ...tenants.flatMap((t) => t.topics.map((x) => x.name))].sort()[0];
}

export function operatorChecks(ctx: VerifyContext): Check[] {
  const checks: Check[] = [];
  for (const cluster of ctx.clusters()) {
    const owner = `cluster:${cluster}`;
    checks.push({
      id: `conformance.operator-acls:${cluster}`,
      tenant: owner,
      category: 'conformance',
      cluster,
      description: `the operator principals (${OPERATORS.map((o) => o.username).join(', ')}) hold exactly their least-privilege bindings on ${cluster}, none missing, none added`,
      run: async () => {
        const live = (await ctx.snapshot(cluster)).acls;
        const found: string[] = [];
        for (const op of OPERATORS) {
          const expected = operatorAcls(op.username, op.role);
          const mine = live.filter((a) => a.principal === principalOf(op.username));
          for (const e of expected) if (!mine.some((a) => sameAcl(e, a))) found.push(`missing: ${e.id}`);
          for (const a of mine) if (!expected.some((e) => sameAcl(e, a))) found.push(`extra: ${describeAcl(a)}`);
        }
        return {
          status: found.length === 0 ? 'pass' : 'fail',
          expected: 'exactly operatorAcls for each operator',
          observed: found.length === 0 ? 'exact' : found.join('; '),
          details: found,
        };
      },
    });
  }
  return checks;
}

/**
 * Live probes of the operators on every cluster (access phase: after the conformance snapshot, since the delete
 * probe makes a topic of its own for a moment).
 */
export function operatorProbeChecks(ctx: VerifyContext): Check[] {
  const checks: Check[] = [];
  for (const cluster of ctx.clusters()) {
    checks.push({
      id: `positive.planner-reads:${cluster}`,
      tenant: PLATFORM,
      category: 'positive',
      cluster,
      description: `${PLANNER_USER} logs in on ${cluster} and reads topic configs and ACLs (what a refreshing plan needs)`,
      run: async () => {
        const topic = someTopic(ctx, cluster);
        return succeeded('success', {
          label: `describe configs${topic ? ` of ${topic}` : ''} and ACLs as ${PLANNER_USER}`,
          answer: await as(ctx, cluster, PLANNER_USER, async (s) => {
            if (topic) await s.describeTopicConfigs(topic);
            await s.describeAcls();
          }),
        });
      },
    });
    checks.push({
      id: `negative.planner-read-only:${cluster}`,
      tenant: PLATFORM,
      category: 'negative',
      cluster,
      description: `${PLANNER_USER} cannot create, alter or delete a topic on ${cluster} (it only plans)`,
      run: async () => {
        const topic = someTopic(ctx, cluster);
        // Kafka answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic before it checks DELETE, so the delete
        // probe needs a topic that exists: one of the run's own, made and removed by the admin around the probe.
        const probe = `${namespacePrefix(PLATFORM_NAMESPACE)}${VERIFY_MARK}-${ctx.runId}-delete-probe`;
        const admin = await ctx.admin(cluster);
        await admin.createTopics({ topics: [{ topic: probe, numPartitions: 1 }], waitForLeaders: true });
        const attempts: Array<{ label: string; answer: Answer }> = [
          {
            label: 'create (validate only)',
            answer: await as(ctx, cluster, PLANNER_USER, (s) => s.validateCreateTopic(`${probe}-2`, 1)),
          },
        ];
        try {
          attempts.push({
            label: `delete ${probe} (the run's own)`,
            answer: await as(ctx, cluster, PLANNER_USER, (s) => s.deleteTopic(probe)),
          });
        } finally {
          await admin.deleteTopics({ topics: [probe] }).catch(() => undefined);
        }
        if (topic) {
          attempts.push({
            label: `alter config of ${topic} (validate only)`,
            answer: await as(ctx, cluster, PLANNER_USER, (s) =>
              s.validateAlterTopicConfig(topic, 'retention.ms', '3600000'),
            ),
          });
        }
        const outcome = allDenied(DENIED_CREATE, attempts.slice(0, 1));
        const rest = allDenied(DENIED_TOPIC, attempts.slice(1));
        return outcome.status === 'pass' ? rest : outcome;
      },
    });
    for (const op of OPERATORS) {
      checks.push({
        id: `negative.operator-no-data:${op.username}@${cluster}`,
        tenant: PLATFORM,
        category: 'negative',
        cluster,
        description: `${op.username} can neither read nor write records on ${cluster}`,
        run: async () => {
          const topic = someTopic(ctx, cluster);
          if (!topic)
            return {
              status: 'skipped',
              expected: 'TOPIC_AUTHORIZATION_FAILED',
              observed: `no declared topic on ${cluster}`,
            };
          return allDenied(DENIED_TOPIC, [
            { label: `fetch ${topic}`, answer: await as(ctx, cluster, op.username, (s) => s.fetch(topic, 0, '0')) },
            {
              label: `produce to ${topic}`,
              answer: await as(ctx, cluster, op.username, (s) =>
                s.produce(topic, 0, [marker(ctx, `negative.operator-no-data:${op.username}@${cluster}`)]),
              ),
            },
          ]);
        },
      });
    }
  }
  return checks;
}
