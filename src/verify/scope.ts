import { ValidationError } from '../errors';
import type { Model } from '../model/types';

/** Pseudo-tenant for the shared topics and the platform consumers. */
export const PLATFORM = 'platform';

/**
 * Which owners (tenant ids, or `platform`) a run is about. A scoped run keeps every check in which a scoped owner
 * acts or is the target, plus the cluster-wide checks of the clusters they live on.
 */
export class Scope {
  readonly all: boolean;
  readonly owners: readonly string[];

  constructor(
    private readonly model: Model,
    owners: readonly string[] = [],
  ) {
    const known = [...model.tenants.map((t) => t.id), PLATFORM];
    const unknown = owners.filter((o) => !known.includes(o));
    if (unknown.length) {
      throw new ValidationError(
        unknown.map((o) => ({
          file: `tenants/${o}.yaml`,
          path: '',
          code: 'unknown_tenant',
          message: `--tenants names "${o}", which is not a tenant of environment "${model.env.name}"; known: ${known.join(', ')}`,
        })),
      );
    }
    this.owners = [...new Set(owners)].sort();
    this.all = this.owners.length === 0;
  }

  has(owner: string): boolean {
    return this.all || this.owners.includes(owner);
  }

  /** Either owner of a cross-tenant check is in scope. */
  hasEither(a: string, b: string): boolean {
    return this.has(a) || this.has(b);
  }

  /** Clusters the scoped owners live on. */
  clusters(): string[] {
    const all = Object.keys(this.model.env.clusters).sort();
    if (this.all) return all;
    const used = new Set(this.model.tenants.filter((t) => this.has(t.id)).map((t) => t.cluster));
    if (this.has(PLATFORM)) used.add(this.model.env.sharedCluster);
    return all.filter((c) => used.has(c));
  }
}
