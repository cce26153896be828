import { formatProblem } from '../../../src/errors';
import { TOPIC_CONFIG_ALLOW_LIST, TenantSchema, parseTenant, tenantJsonSchema } from '../../../src/model/tenant-schema';

const minimal = {
  id: 'acme',
  owner: 'team-acme',
  contact: 'acme@example.com',
  tier: 'topic-per-tenant',
  classification: 'internal',
};

const lines = (raw: unknown) => parseTenant('tenants/acme.yaml', raw).problems.map(formatProblem);

describe('TenantSchema', () => {
  it('decodes a minimal tenant and applies the documented defaults', () => {
    const { spec } = parseTenant('tenants/acme.yaml', minimal);
    expect(spec).toEqual({
      ...minimal,
      encryption: false,
      lifecycle: 'active',
      deleteDataOnDecommission: false,
      topics: [],
      retiredTopics: [],
      applications: [],
      dedicatedPartitions: [],
      premiumTopics: [],
    });
  });

  it('defaults a topic to cleanup.policy delete, no extra config and no data-loss approval', () => {
    const { spec } = parseTenant('tenants/acme.yaml', { ...minimal, topics: [{ name: 'orders' }] });
    expect(spec?.topics[0]).toEqual({ name: 'orders', cleanupPolicy: 'delete', config: {}, allowDataLoss: false });
  });

  it('defaults an application to no intent, no groups and no transactional ids', () => {
    const { spec } = parseTenant('tenants/acme.yaml', { ...minimal, applications: [{ name: 'billing' }] });
    expect(spec?.applications[0]).toEqual({
      name: 'billing',
      produces: [],
      consumes: [],
      groups: [],
      transactionalIds: [],
    });
  });

  it.each([
    ['the top level', { ...minimal, teir: 'shared' }, 'teir'],
    ['a topic', { ...minimal, topics: [{ name: 'orders', partitons: 3 }] }, 'topics[0].partitons'],
    ['an application', { ...minimal, applications: [{ name: 'api', produce: ['x'] }] }, 'applications[0].produce'],
    [
      'a quota',
      { ...minimal, applications: [{ name: 'api', quota: { producerBytes: 2048 } }] },
      'applications[0].quota.producerBytes',
    ],
    [
      'dedicated partitions',
      { ...minimal, dedicatedPartitions: [{ topic: 'x', partitions: [0], weight: 1 }] },
      'dedicatedPartitions[0].weight',
    ],
  ])('rejects an unknown key in %s, pointing at the key', (_where, raw, path) => {
    const problems = parseTenant('tenants/acme.yaml', raw).problems;
    expect(problems.map((p) => [p.path, p.code])).toContainEqual([path, 'unrecognized_keys']);
  });

  it('suggests the nearest allowed key for a typo and lists the allowed keys', () => {
    expect(lines({ ...minimal, topics: [{ name: 'orders', partitons: 3 }] })).toEqual([
      'tenants/acme.yaml: topics[0].partitons: unknown key "partitons"; did you mean "partitions"? allowed: name, description, partitions, replicationFactor, retentionMs, cleanupPolicy, config, allowDataLoss',
    ]);
  });

  it('fails with "must be at least 1, got 0" for zero partitions', () => {
    expect(lines({ ...minimal, topics: [{ name: 'a' }, { name: 'b', partitions: 0 }] })).toEqual([
      'tenants/acme.yaml: topics[1].partitions: must be at least 1, got 0',
    ]);
  });

  it('says a missing field is required', () => {
    expect(lines({ id: 'acme', tier: 'shared', classification: 'public', contact: 'a@example.com' })).toEqual([
      'tenants/acme.yaml: owner: is required; add it (fields are described in tenants/README.md)',
    ]);
  });

  it('accepts integer topic configs as numbers or quoted strings', () => {
    const { spec, problems } = parseTenant('tenants/acme.yaml', {
      ...minimal,
      topics: [
        { name: 'orders', config: { 'max.message.bytes': 1048576, 'retention.bytes': '-1', 'segment.ms': '3600000' } },
      ],
    });
    expect(problems).toEqual([]);
    expect(spec?.topics[0]?.config).toEqual({
      'max.message.bytes': 1048576,
      'retention.bytes': '-1',
      'segment.ms': '3600000',
    });
  });

  it('rejects topic configs outside the allow-list with their own code, and says what to use instead', () => {
    const problems = parseTenant('tenants/acme.yaml', {
      ...minimal,
      topics: [{ name: 'orders', config: { 'retention.ms': 1, 'unclean.leader.election.enable': true } }],
    }).problems;
    expect(problems.map((p) => p.code)).toEqual(['config_key_not_allowed', 'config_key_not_allowed']);
    expect(problems[0]?.message).toContain('use the topic field retentionMs instead');
  });

  it('allow-lists exactly the documented topic configs', () => {
    expect([...TOPIC_CONFIG_ALLOW_LIST].sort()).toEqual(
      [
        'compression.type',
        'delete.retention.ms',
        'max.message.bytes',
        'message.timestamp.type',
        'min.compaction.lag.ms',
        'retention.bytes',
        'segment.ms',
      ].sort(),
    );
  });

  it('writes every message in lowercase', () => {
    const problems = parseTenant('tenants/acme.yaml', {
      id: 'Acme',
      owner: 3,
      contact: 'nope',
      tier: 'x',
      classification: undefined,
      encryption: 'yes',
      topics: [
        { name: '', partitions: -1, cleanupPolicy: 'x', config: { 'compression.type': 'zip', 'segment.ms': [] } },
      ],
      applications: [{ name: 'A', quota: { requestPercentage: 0 } }],
      dedicatedPartitions: [{ topic: 'x', partitions: [] }],
    }).problems;
    expect(problems.length).toBeGreaterThan(10);
    for (const p of problems) expect(p.message.charAt(0)).toBe(p.message.charAt(0).toLowerCase());
  });

  it('reports a file that is not a mapping', () => {
    expect(lines(null)).toEqual([
      'tenants/acme.yaml: must be a mapping of tenant fields, got an empty file; start with "id: <tenant id>" (see tenants/README.md)',
    ]);
    expect(parseTenant('tenants/acme.yaml', ['id: acme']).problems[0]?.code).toBe('not_a_mapping');
  });

  it('infers the same type it validates (no silent extra fields)', () => {
    expect(TenantSchema.safeParse({ ...minimal, extra: 1 }).success).toBe(false);
  });
});

describe('tenantJsonSchema', () => {
  const schema = tenantJsonSchema() as {
    required: string[];
    additionalProperties: boolean;
    properties: Record<
      string,
      { description?: string; items?: { properties: Record<string, { properties?: object }> } }
    >;
  };

  it('is strict (no additional properties) and requires only the fields without defaults', () => {
    expect(schema.additionalProperties).toBe(false);
    expect([...schema.required].sort()).toEqual(['classification', 'contact', 'id', 'owner', 'tier']);
  });

  it('describes every top-level field for editor hover help', () => {
    for (const [name, prop] of Object.entries(schema.properties))
      expect([name, typeof prop.description]).toEqual([name, 'string']);
  });

  it('enumerates the allowed topic configs for completion', () => {
    const config = schema.properties.topics?.items?.properties.config as { properties: object };
    expect(Object.keys(config.properties).sort()).toEqual([...TOPIC_CONFIG_ALLOW_LIST].sort());
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('declares draft 7, the newest dialect the YAML language server supports', () => {
    expect(tenantJsonSchema().$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('sorts keys at every level, so the committed file does not churn', () => {
    const unsorted: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}[${i}]`));
      if (v === null || typeof v !== 'object') return;
      const keys = Object.keys(v);
      if (keys.join() !== [...keys].sort().join()) unsorted.push(at || '(root)');
      for (const k of keys) walk((v as Record<string, unknown>)[k], `${at}.${k}`);
    };
    walk(schema, '');
    expect(unsorted).toEqual([]);
  });
});

describe('TopicConfigSchema', () => {
  const config = (c: Record<string, unknown>) =>
    parseTenant('tenants/acme.yaml', { ...minimal, topics: [{ name: 'orders', config: c }] }).problems.map(
      (p) => p.message,
    );

  it.each([
    [{ 'segment.ms': '0' }, 'must be an integer of at least 1, got "0"'],
    [{ 'segment.ms': 0 }, 'must be at least 1, got 0'],
    [{ 'retention.bytes': '-2' }, 'must be an integer of at least -1, got "-2"'],
    [{ 'delete.retention.ms': 1.5 }, 'must be an integer of at least 0, got 1.5'],
  ])('rejects %j with %j', (c, message) => {
    expect(config(c)).toEqual([message]);
  });

  it.each([
    { 'retention.bytes': '-1' },
    { 'retention.bytes': -1 },
    { 'min.compaction.lag.ms': '0' },
    { 'segment.ms': '60000' },
  ])('accepts %j', (c) => {
    expect(config(c)).toEqual([]);
  });
});
