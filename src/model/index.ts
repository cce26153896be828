/** The tenant model: tenant files + environment → a resolved, plain typed model. No cdktf in here. */
export * from './types';
export * from '../naming';
export * from './tenant-schema';
export * from './load';
export * from './validate';
export * from './build';
export { loadEnvironment, readEnvironment, TIERS } from './environment';
export { projectRoot } from '../paths';
export type { Environment, ParsedEnvironment, Tier, ClusterConfig, TierDefaults, QuotaConfig } from './environment';
