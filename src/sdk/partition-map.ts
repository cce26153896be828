/**
 * The partition map synth writes next to the stacks (`PartitionMap` in src/model/types.ts): for every shared
 * topic its partition count and the partitions dedicated to high-volume tenants. Everyone without dedicated
 * partitions shares the rest. The partitioner and the dedicated consumer read it through `PartitionMapIndex`.
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { type Problem, ValidationError } from '../errors';
import type { PartitionMap } from '../model/types';
import { formatPath } from '../model/zod-problems';
import { PartitionAssignmentError } from './errors';
import { isValidTenantId } from './keys';

const PartitionMapSchema = z.strictObject({
  version: z.literal(1),
  environment: z.string().min(1),
  topics: z.record(
    z.string().min(1).max(249),
    z.strictObject({
      partitions: z.number().int().min(1),
      dedicated: z.record(z.string(), z.array(z.number().int().min(0))),
    }),
  ),
});

/** Validate a parsed JSON document as a partition map. Throws ValidationError listing every problem. */
export function parsePartitionMap(input: unknown, file = 'partition-map.json'): PartitionMap {
  const parsed = PartitionMapSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({
        file,
        path: formatPath(issue.path),
        code: issue.code,
        message: issue.message.charAt(0).toLowerCase() + issue.message.slice(1),
      })),
    );
  }
  const map = parsed.data;
  const problems: Problem[] = [];
  const problem = (path: string, code: string, message: string): void => {
    problems.push({ file, path, code, message });
  };
  for (const [topic, t] of Object.entries(map.topics)) {
    const owner = new Map<number, string>();
    for (const [tenant, partitions] of Object.entries(t.dedicated)) {
      const at = `topics.${topic}.dedicated.${tenant}`;
      if (!isValidTenantId(tenant)) problem(at, 'invalid_tenant_id', `"${tenant}" is not a valid tenant id`);
      if (partitions.length === 0) problem(at, 'too_small', 'lists no partitions; remove the entry instead');
      partitions.forEach((p, i) => {
        if (p >= t.partitions) {
          problem(
            `${at}[${i}]`,
            'too_big',
            `partition ${p} does not exist; the topic has partitions 0..${t.partitions - 1}`,
          );
        } else if (owner.get(p) === tenant) {
          problem(`${at}[${i}]`, 'duplicate', `partition ${p} is listed twice`);
        } else if (owner.has(p)) {
          problem(`${at}[${i}]`, 'overlap', `partition ${p} is already dedicated to tenant "${owner.get(p)}"`);
        } else {
          owner.set(p, tenant);
        }
      });
    }
  }
  if (problems.length) throw new ValidationError(problems);
  return map;
}

/** Read, parse and validate a partition map file; see `PartitionMapIndex` for lookups. */
export function loadPartitionMap(file: string): PartitionMapIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ValidationError([
      {
        file,
        path: '',
        code: 'unreadable',
        message: `cannot read the partition map (${(e as Error).message}); run synth`,
      },
    ]);
  }
  return new PartitionMapIndex(parsePartitionMap(raw, file));
}

/** Lookups over a validated partition map. All partition lists are sorted ascending and frozen. */
export class PartitionMapIndex {
  private readonly shared = new Map<string, readonly number[]>();
  private readonly dedicated = new Map<string, Map<string, readonly number[]>>();

  constructor(readonly map: PartitionMap) {
    for (const [topic, t] of Object.entries(map.topics)) {
      const taken = new Set<number>();
      const perTenant = new Map<string, readonly number[]>();
      for (const [tenant, partitions] of Object.entries(t.dedicated)) {
        perTenant.set(tenant, Object.freeze([...partitions].sort((a, b) => a - b)));
        partitions.forEach((p) => taken.add(p));
      }
      this.dedicated.set(topic, perTenant);
      this.shared.set(topic, Object.freeze([...Array(t.partitions).keys()].filter((p) => !taken.has(p))));
    }
  }

  static fromJson(input: unknown, file?: string): PartitionMapIndex {
    return new PartitionMapIndex(parsePartitionMap(input, file));
  }

  hasTopic(topic: string): boolean {
    return this.shared.has(topic);
  }

  partitionCount(topic: string): number {
    return this.topic(topic).partitions;
  }

  /** Partitions of `topic` that are not dedicated to any tenant. */
  sharedPartitions(topic: string): readonly number[] {
    this.topic(topic);
    return this.shared.get(topic)!;
  }

  /** The tenant's dedicated partitions of `topic`; empty when it has none. */
  dedicatedPartitions(topic: string, tenantId: string): readonly number[] {
    this.topic(topic);
    return this.dedicated.get(topic)!.get(tenantId) ?? [];
  }

  /** Tenants with dedicated partitions on `topic`, sorted. */
  dedicatedTenants(topic: string): string[] {
    this.topic(topic);
    return [...this.dedicated.get(topic)!.keys()].sort();
  }

  /**
   * Where the tenant's records of `topic` go: its dedicated partitions if it has any, otherwise the shared ones.
   * Throws PartitionAssignmentError if that is no partition at all (every partition is dedicated to others).
   */
  partitionsFor(topic: string, tenantId: string): readonly number[] {
    const own = this.dedicatedPartitions(topic, tenantId);
    if (own.length > 0) return own;
    const shared = this.sharedPartitions(topic);
    if (shared.length === 0) {
      throw new PartitionAssignmentError(
        `every partition of "${topic}" is dedicated to other tenants, so tenant "${tenantId}" has nowhere to ` +
          `write; add partitions to the topic or give "${tenantId}" dedicated partitions`,
      );
    }
    return shared;
  }

  private topic(topic: string): PartitionMap['topics'][string] {
    // hasOwn: a topic named "constructor" must not find Object.prototype.constructor.
    const t = Object.hasOwn(this.map.topics, topic) ? this.map.topics[topic] : undefined;
    if (!t) {
      throw new PartitionAssignmentError(
        `topic "${topic}" is not in the partition map of environment "${this.map.environment}"; ` +
          `known topics: ${Object.keys(this.map.topics).sort().join(', ') || '(none)'}`,
      );
    }
    return t;
  }
}
