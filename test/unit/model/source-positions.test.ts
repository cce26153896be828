/**
 * Problems point at the line and column of their path, in tenant and environment files, whether they come from the
 * schema (zod) or from a cross-field rule; the model keeps the same positions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem, type Problem, sortProblems } from '../../../src/errors';
import { loadModel } from '../../../src/model/build';
import { readEnvironment } from '../../../src/model/environment';
import { decodeTenant } from '../../../src/model/load';
import { HEADER, makeRoot, thrownProblems } from './helpers';

const at = (p: Problem) => `${p.file}:${p.line}:${p.col} ${p.path} ${p.code}`;

// Line numbers below are of this text: 1 id, 2 owner, 3 contact, 4 tier, …
const tenantText = `id: acme
${HEADER}
tier: topic-per-tenant
classification: internal
topics:
  - name: orders
    partitions: 0
applications:
  - name: api
    produces: [orders, refunds]
    quota: { producerByteRate: 99999999 }
`;

describe('problem positions', () => {
  it('puts a schema problem of a tenant file at its value', () => {
    const { problems } = decodeTenant('tenants/acme.yaml', tenantText);
    expect(problems.map(at)).toEqual(['tenants/acme.yaml:8:17 topics[0].partitions too_small']);
  });

  it('puts cross-field rule problems of a tenant file at their values, sorted by line', () => {
    const root = makeRoot({ 'acme.yaml': tenantText.replace('partitions: 0', 'partitions: 1') });
    expect(thrownProblems(() => loadModel({ env: 'test', root })).map(at)).toEqual([
      'tenants/acme.yaml:11:24 applications[0].produces[1] unknown_topic',
      'tenants/acme.yaml:12:32 applications[0].quota.producerByteRate quota_out_of_bounds',
    ]);
  });

  it('puts a missing field at the mapping that lacks it, an unknown key at the key', () => {
    const text = tenantText
      .replace('    partitions: 0\n', '    partitons: 1\n')
      .replace('classification: internal\n', '');
    const { problems } = decodeTenant('tenants/acme.yaml', text);
    expect(sortProblems(problems).map(at)).toEqual([
      'tenants/acme.yaml:1:1 classification invalid_value',
      'tenants/acme.yaml:7:5 topics[0].partitons unrecognized_keys',
    ]);
  });

  describe('in the environment file', () => {
    const envWith = (edit: (text: string) => string) => {
      const root = makeRoot({});
      const file = path.join(root, 'environments', 'test.yaml');
      fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
      return thrownProblems(() => readEnvironment('test', root));
    };

    it('puts a schema problem at its value and an unknown key at the key', () => {
      const problems = envWith((t) =>
        t
          .replace(
            '    brokers: 3\n    replicationFactor: 3\n  shared-eu:',
            '    brokers: 0\n    replicationFactor: 3\n  shared-eu:',
          )
          .replace('sharedCluster: shared\n', 'sharedCluster: shared\nsharedClusterz: x\n'),
      );
      expect(problems.map(at)).toEqual([
        'environments/test.yaml:9:14 clusters.shared.brokers too_small',
        'environments/test.yaml:28:1  unrecognized_keys',
      ]);
      expect(formatProblem(problems[0]!)).toBe(
        'environments/test.yaml:9:14: clusters.shared.brokers: too small: expected number to be >=1',
      );
    });

    it('puts a cross-field rule problem at its value', () => {
      const problems = envWith((t) =>
        t.replace('consumes: [orders.placed, orders.shipped]', 'consumes: [orders.placed, nope]'),
      );
      expect(problems.map(formatProblem)).toEqual([
        'environments/test.yaml:40:31: platformConsumers[0].consumes[1]: "nope" is not a shared topic; declare it under sharedTopics',
      ]);
    });
  });
});

describe('model positions', () => {
  const root = makeRoot({
    'acme.yaml': tenantText
      .replace('partitions: 0', 'partitions: 1')
      .replace(', refunds', '')
      .replace('99999999', '2097152'),
  });
  const model = loadModel({ env: 'test', root });
  const [acme] = model.tenants;

  it('keeps where the tenant, its topics and its principals were declared', () => {
    expect(acme?.source).toEqual({ file: 'tenants/acme.yaml', line: 1, col: 5, path: 'id' });
    expect(acme?.topics[0]?.source).toEqual({ file: 'tenants/acme.yaml', line: 7, col: 5, path: 'topics[0]' });
    expect(acme?.principals[0]?.source).toEqual({
      file: 'tenants/acme.yaml',
      line: 10,
      col: 5,
      path: 'applications[0]',
    });
    expect(acme?.principals[0]?.quotaSource).toMatchObject({ line: 12, col: 5, path: 'applications[0].quota' });
  });

  it('points every ACL binding at the intent entries that caused it', () => {
    const write = acme?.principals[0]?.acls.find((a) => a.operation === 'Write');
    expect(write?.sources).toEqual([
      { file: 'tenants/acme.yaml', line: 11, col: 16, path: 'applications[0].produces[0]' },
    ]);
  });

  it('keeps where shared topics and platform consumers were declared in the environment file', () => {
    expect(model.platform.topics.map((t) => `${t.source.line}:${t.source.col} ${t.source.path}`)).toEqual([
      '32:5 sharedTopics[0]',
      '35:5 sharedTopics[1]',
    ]);
    const read = model.platform.consumers[0]?.acls.find(
      (a) => a.operation === 'Read' && a.resourceName === 'shared.orders.shipped',
    );
    expect(read?.sources).toEqual([
      { file: 'environments/test.yaml', line: 40, col: 31, path: 'platformConsumers[0].consumes[1]' },
    ]);
  });
});
