/**
 * Per-stack content hashes of the model: what a stack's synthesized output is made from, without synthesizing it.
 * `affected` compares them between the base revision and HEAD when an environment file changed, so a pull request
 * costs what its change costs instead of two synths of the whole fleet.
 *
 * A stack's input is its own slice of the model (the tenant, or the platform: shared topics and platform
 * consumers), the cluster it targets, and everything else in the environment except the parts that are resolved
 * into the model already or belong to other stacks (listed in PER_STACK_ENV_FIELDS). The list names what is left
 * OUT, so a new environment field counts for every stack until someone decides otherwise: the safe direction.
 * Source positions are left out too: moving a line changes no output. A unit test checks, for a set of
 * environment edits, that whenever the synthesized output of a stack changes, its fingerprint changes.
 */
import { createHash } from 'node:crypto';
import type { Model } from '../model/types';
import { PLATFORM_STACK } from '../stacks/app';

/** Environment fields that reach a stack only through the model or through the stack's own cluster entry. */
export const PER_STACK_ENV_FIELDS: readonly string[] = [
  'clusters',
  'sharedTopics',
  'retiredSharedTopics',
  'platformConsumers',
  'tierDefaults',
];

/** Keys of positions: where a value was declared, never what is synthesized from it. */
const POSITION_KEYS = new Set(['source', 'sources', 'quotaSource']);

/** JSON with sorted keys and without positions: equal inputs give equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (POSITION_KEYS.has(key)) return undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}

const hash = (value: unknown) => createHash('sha256').update(canonical(value)).digest('hex');

/** Stack → hash of everything its synthesized output is made from. */
export function stackFingerprints(model: Model): Map<string, string> {
  const env = model.env as unknown as Record<string, unknown>;
  const common = Object.fromEntries(Object.entries(env).filter(([k]) => !PER_STACK_ENV_FIELDS.includes(k)));
  const out = new Map<string, string>();
  out.set(
    PLATFORM_STACK,
    hash({ common, cluster: model.env.clusters[model.env.sharedCluster], platform: model.platform }),
  );
  for (const t of model.tenants) out.set(t.id, hash({ common, cluster: model.env.clusters[t.cluster], tenant: t }));
  return out;
}
