/**
 * The verification suite: prove on the live clusters that the deployed fleet is isolated as the model says.
 * See docs/verification.md for every check and how to read a failure.
 */
export * from './types';
export { runVerification, crossTenantPairs, DEFAULT_CONCURRENCY, DEFAULT_SEED, type VerifyOptions } from './runner';
export { headline, renderJson, renderJunit, renderMarkdown, resultRows, summarize, tenantRows } from './report';
export { selectPairs, seededRandom, type Pair, type PairOptions } from './pairs';
export * from './acl-diff';
export { Scope, PLATFORM } from './scope';
