import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ValidationError } from '../../../src/errors';
import type { PartitionMap } from '../../../src/model/types';
import { PartitionAssignmentError, PartitionMapIndex, loadPartitionMap, parsePartitionMap } from '../../../src/sdk';

const map: PartitionMap = {
  version: 1,
  environment: 'local',
  topics: {
    'shared.orders.placed': { partitions: 6, dedicated: { acme: [5, 4], bravo: [0] } },
    'shared.orders.shipped': { partitions: 3, dedicated: {} },
  },
};

function problems(input: unknown): string[] {
  try {
    parsePartitionMap(input, 'cdktf.out/partition-map.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).message.split('\n');
  }
  throw new Error('expected a ValidationError');
}

describe('PartitionMapIndex', () => {
  const index = new PartitionMapIndex(map);

  it('gives a dedicated tenant its own partitions, sorted', () => {
    expect(index.partitionsFor('shared.orders.placed', 'acme')).toEqual([4, 5]);
  });

  it('gives everyone else the partitions dedicated to nobody', () => {
    expect(index.sharedPartitions('shared.orders.placed')).toEqual([1, 2, 3]);
    expect(index.partitionsFor('shared.orders.placed', 'charlie')).toEqual([1, 2, 3]);
    expect(index.partitionsFor('shared.orders.shipped', 'acme')).toEqual([0, 1, 2]);
  });

  it('lists dedicated tenants and answers for unknown topics with a clear error', () => {
    expect(index.dedicatedTenants('shared.orders.placed')).toEqual(['acme', 'bravo']);
    expect(index.hasTopic('acme.orders')).toBe(false);
    expect(index.hasTopic('constructor')).toBe(false);
    expect(() => index.partitionsFor('acme.orders', 'acme')).toThrow(/not in the partition map.*shared.orders.placed/);
  });

  it('fails when every partition is dedicated to someone else', () => {
    const full = new PartitionMapIndex({
      version: 1,
      environment: 'e',
      topics: { t: { partitions: 2, dedicated: { acme: [0, 1] } } },
    });
    expect(full.partitionsFor('t', 'acme')).toEqual([0, 1]);
    expect(() => full.partitionsFor('t', 'bravo')).toThrow(PartitionAssignmentError);
  });
});

describe('parsePartitionMap', () => {
  it('accepts what synth writes', () => {
    expect(parsePartitionMap(JSON.parse(JSON.stringify(map)))).toEqual(map);
  });

  it('lists every problem, one per line, pointing at the field', () => {
    expect(
      problems({
        version: 1,
        environment: 'local',
        topics: {
          t: { partitions: 3, dedicated: { acme: [0, 3, 0], bravo: [0], Bad_Id: [1], empty: [] } },
        },
      }),
    ).toEqual([
      'cdktf.out/partition-map.json: topics.t.dedicated.acme[1]: partition 3 does not exist; the topic has partitions 0..2',
      'cdktf.out/partition-map.json: topics.t.dedicated.acme[2]: partition 0 is listed twice',
      'cdktf.out/partition-map.json: topics.t.dedicated.Bad_Id: "Bad_Id" is not a valid tenant id',
      'cdktf.out/partition-map.json: topics.t.dedicated.bravo[0]: partition 0 is already dedicated to tenant "acme"',
      'cdktf.out/partition-map.json: topics.t.dedicated.empty: lists no partitions; remove the entry instead',
    ]);
  });

  it('is strict about shape and version', () => {
    expect(problems({ version: 2, environment: 'local', topics: {} })[0]).toMatch(/version/);
    expect(problems({ version: 1, environment: 'local', topics: {}, extra: true })[0]).toMatch(/unrecognized|unknown/i);
    expect(problems({ version: 1, environment: 'local', topics: { t: { partitions: 0, dedicated: {} } } })[0]).toMatch(
      /topics\.t\.partitions/,
    );
  });

  it('loads from a file and says how to fix a missing one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-pm-'));
    try {
      const file = path.join(dir, 'partition-map.json');
      fs.writeFileSync(file, JSON.stringify(map));
      expect(loadPartitionMap(file).partitionsFor('shared.orders.placed', 'bravo')).toEqual([0]);
      expect(() => loadPartitionMap(path.join(dir, 'missing.json'))).toThrow(/run synth/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
