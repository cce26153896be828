/**
 * Everything about ACL bindings, in one place: the vocabulary (types.ts), stable ids (id.ts), derivation from
 * intent (derive.ts), the policy table (policy.ts), the matcher with Kafka's semantics (match.ts), converters to
 * and from the provider and the wire (convert.ts) and the words for a binding (describe.ts). It sits below the
 * model: the model is written in this vocabulary and derives its bindings here.
 */
export * from './types';
export * from './id';
export * from './derive';
export * from './policy';
export * from './match';
export * from './convert';
export * from './describe';
