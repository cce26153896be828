/**
 * Tenant runtime SDK: what tenant applications and platform consumers use to read and write the platform's
 * topics safely. See README.md in this folder for the patterns and the envelope wire format.
 */
export * from './errors';
export * from './keys';
export * from './rate-limiter';
export * from './key-provider';
export * from './local-keyring';
export * from './envelope';
export * from './partition-map';
export * from './partitioner';
export * from './producer';
export * from './consumer';
