/** Who a tenant is and what its data demands: unique, unreserved ids; classification and lifecycle rules. */
import { RESERVED_IDS, isReservedId } from '../../naming';
import type { ParsedTenant } from '../load';
import type { Rule } from './context';

export const IDENTITY_RULES: readonly Rule[] = [
  {
    code: 'duplicate_id',
    describe: 'tenant ids are unique across files',
    check: ({ tenants }) => {
      const byId = new Map<string, ParsedTenant[]>();
      for (const t of tenants) byId.set(t.spec.id, [...(byId.get(t.spec.id) ?? []), t]);
      return [...byId.values()]
        .filter((group) => group.length > 1)
        .flatMap((group) =>
          group.map((t) => ({
            file: t.file,
            path: 'id',
            code: 'duplicate_id',
            message: `"${t.spec.id}" is also declared in ${group
              .filter((o) => o !== t)
              .map((o) => o.file)
              .join(', ')}; tenant ids must be unique: rename one of them`,
          })),
        );
    },
  },
  {
    code: 'reserved_id',
    describe: 'tenant ids cannot be platform namespaces or principals (shared, platform, admin, controller, __*)',
    check: ({ tenants }) =>
      tenants
        .filter((t) => isReservedId(t.spec.id))
        .map((t) => ({
          file: t.file,
          path: 'id',
          code: 'reserved_id',
          message: `"${t.spec.id}" is reserved for the platform (reserved: ${RESERVED_IDS.join(', ')} and anything starting with "__"); choose another id`,
        })),
  },
  {
    code: 'regulated_not_dedicated',
    describe: 'regulated data lives on the dedicated tier only',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.classification === 'regulated' && t.spec.tier !== 'dedicated')
        .map((t) => ({
          file: t.file,
          path: 'tier',
          code: 'regulated_not_dedicated',
          message: `regulated data must be on the dedicated tier, got tier ${t.spec.tier}; set tier: dedicated with a dedicated cluster, or correct the classification`,
        })),
  },
  {
    code: 'pii_unencrypted',
    describe: 'pii on the shared tier is envelope-encrypted',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.classification === 'pii' && t.spec.tier === 'shared' && !t.spec.encryption)
        .map((t) => ({
          file: t.file,
          path: 'encryption',
          code: 'pii_unencrypted',
          message:
            'pii on the shared tier must be encrypted with the tenant key, got encryption: false; set encryption: true',
        })),
  },
  {
    code: 'delete_data_while_active',
    describe: 'deleteDataOnDecommission only together with lifecycle: decommissioning',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.deleteDataOnDecommission && t.spec.lifecycle === 'active')
        .map((t) => ({
          file: t.file,
          path: 'deleteDataOnDecommission',
          code: 'delete_data_while_active',
          message:
            'deletes topics when the tenant is decommissioned, but lifecycle is active; remove it, or set lifecycle: decommissioning in the same reviewed change',
        })),
  },
];
