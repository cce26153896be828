/** `kafka-tenancy explain <name>`: why a principal can do what it can, who can reach a topic, a tenant's whole grant. */
import { Command } from 'commander';
import { UsageError } from '../../errors';
import {
  explain,
  suggestName,
  type BindingExplanation,
  type Explanation,
  type PrincipalExplanation,
  type TopicExplanation,
} from '../../model/explain';
import type { SourceLocation } from '../../source';
import { formatLocation } from '../../source';
import { printJson } from '../output';
import { projectModel, withProjectOptions, type ProjectOptions } from './project-options';

export function explainCommand(): Command {
  return withProjectOptions(
    new Command('explain')
      .argument('<name>', 'a principal (acme.billing, User:acme.billing, platform.analytics), a topic or a tenant')
      .description(
        'why a principal can do what it can (credential, quota, every ACL binding with the tenant-file line that caused it), or who can reach a topic and by which binding; reads the files only, no cluster needed',
      )
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy explain acme.billing\n  kafka-tenancy explain acme.orders --json\n  kafka-tenancy explain acme\n',
      )
      .option('--json', 'print {name, results: [...]} as one JSON document'),
  ).action((name: string, o: ProjectOptions & { json?: boolean }) => {
    const model = projectModel(o);
    const results = explain(model, name);
    if (results.length === 0) {
      const guess = suggestName(model, name);
      throw new UsageError(
        `no principal, topic or tenant named "${name}" in environment "${model.env.name}"${guess ? `; did you mean "${guess}"?` : ''}`,
      );
    }
    if (o.json) printJson({ name, results });
    else process.stdout.write(results.map((r) => render(r).join('\n')).join('\n\n') + '\n');
  });
}

const where = (l: SourceLocation) => `${formatLocation(l)} (${l.path})`;
const indent = (lines: readonly string[], by = '  ') => lines.map((l) => by + l);

function render(e: Explanation): string[] {
  if (e.kind === 'principal') return principalLines(e);
  if (e.kind === 'topic') return topicLines(e);
  return [
    `tenant ${e.id}`,
    `  declared at ${where(e.source)}`,
    `  tier ${e.tier}, cluster ${e.cluster}`,
    ...e.principals.flatMap((p) => ['', ...indent(principalLines(p))]),
    ...e.topics.flatMap((t) => ['', ...indent(topicLines(t))]),
  ];
}

function bindingLines(b: BindingExplanation, suffix = ''): string[] {
  return [
    `${b.description}${suffix}`,
    `  why: ${b.reason}`,
    ...(b.sources.length ? b.sources.map((s) => `  from ${where(s)}`) : ['  from: (no declared entry)']),
  ];
}

function principalLines(p: PrincipalExplanation): string[] {
  const owner = p.tenant ? `tenant ${p.tenant}, application ${p.app}` : `platform consumer ${p.app}`;
  const q = p.quota;
  const quotaFrom = q.source
    ? `set at ${where(q.source)}${p.tenant ? `, the rest tier default ${q.tier}` : ''}`
    : `tier default ${q.tier}`;
  return [
    `principal ${p.principal} (${owner})`,
    `  declared at ${where(p.source)}`,
    `  cluster ${p.cluster}`,
    `  credential: ${p.credential.mechanism} user ${p.credential.username}, password in secret ${p.credential.secretName}`,
    `  quota: producer ${q.producerByteRate} B/s, consumer ${q.consumerByteRate} B/s, request ${q.requestPercentage} % (${quotaFrom})`,
    `  ACL bindings (${p.bindings.length}):`,
    ...p.bindings.flatMap((b) => indent(bindingLines(b), '    ')),
  ];
}

function topicLines(t: TopicExplanation): string[] {
  const config = Object.entries(t.config)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return [
    `topic ${t.name} (${t.tenant ? `tenant ${t.tenant}` : 'shared topic'})`,
    `  declared at ${where(t.source)}`,
    `  cluster ${t.cluster}, ${t.partitions} partitions, replication factor ${t.replicationFactor}`,
    `  config: ${config || '-'}`,
    `  reachable by (${t.access.length}):`,
    ...t.access.flatMap((a) => [
      `    ${a.principal}`,
      ...a.grants.flatMap((g) => indent(bindingLines(g.binding, ` → ${g.operations.join(', ')}`), '      ')),
    ]),
  ];
}
