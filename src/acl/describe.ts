/** The one way to say a binding in words. */
import type { Acl } from './types';

const RESOURCE_WORDS: Record<string, [string, string]> = {
  Topic: ['topic', 'topics'],
  Group: ['group', 'groups'],
  TransactionalId: ['transactional id', 'transactional ids'],
  Cluster: ['cluster', 'cluster'],
  DelegationToken: ['delegation token', 'delegation tokens'],
  User: ['user', 'users'],
};

/**
 * `Write on topics prefixed "acme."`, `DENY Read on topic "acme.orders" from 10.0.0.1`, `Describe on every group`;
 * with `principal`, prefixed by `User:acme.billing: `.
 */
export function describeAcl(a: Acl, options: { principal?: boolean } = {}): string {
  const [one, many] = RESOURCE_WORDS[a.resourceType] ?? [a.resourceType, a.resourceType];
  const deny = a.permission === 'Allow' ? '' : `${a.permission.toUpperCase()} `;
  const host = a.host && a.host !== '*' ? ` from ${a.host}` : '';
  const who = options.principal ? `${a.principal}: ` : '';
  let what: string;
  if (a.resourceType === 'Cluster') what = 'the cluster';
  else if (a.patternType === 'Prefixed') what = `${many} prefixed "${a.resourceName}"`;
  else if (a.patternType === 'Literal' && a.resourceName === '*') what = `every ${one}`;
  else if (a.patternType === 'Literal') what = `${one} "${a.resourceName}"`;
  else what = `${one} ${a.patternType} "${a.resourceName}"`;
  return `${who}${deny}${a.operation} on ${what}${host}`;
}
