/**
 * The record of a stack's last successful apply, and the decision to skip a stack: what the hash covers (the
 * synthesized configuration, the CLI, the provider; not cdktf metadata or the local state path), where the record
 * lives (next to the local state, or per machine for remote backends), and when a matching hash is not enough.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  appliedRecordFile,
  localStateStamp,
  readAppliedRecord,
  removeAppliedRecord,
  skipDecision,
  stackConfigHash,
  writeAppliedRecord,
  type AppliedRecord,
} from '../../../src/pipeline/applied-record';
import type { Environment } from '../../../src/model/environment';

const cli = { flavour: 'terraform', version: '1.11.4' } as const;

/** A synthesized stack as cdktf writes it (metadata under "//", the local backend's relative state path). */
const stackJson = (overrides: { servers?: string[]; provider?: string; statePath?: string } = {}) => ({
  '//': { metadata: { version: '0.21.0', stackName: 'acme' } },
  provider: { kafka: [{ bootstrap_servers: overrides.servers ?? ['127.0.0.1:19092'] }] },
  resource: { kafka_topic: { acmeorders_topic_E54B71EC: { name: 'acme.orders', partitions: 3, '//': { x: 1 } } } },
  terraform: {
    backend: { local: { path: overrides.statePath ?? '../../../.local/state/local/acme.tfstate' } },
    required_providers: {
      kafka: { source: 'registry.terraform.io/mongey/kafka', version: overrides.provider ?? '0.13.1' },
    },
  },
});

describe('stackConfigHash', () => {
  const base = stackConfigHash(stackJson(), cli);

  it('ignores what differs between two synths of the same input (cdktf metadata, the local state path)', () => {
    const other = stackJson({ statePath: '/elsewhere/acme.tfstate' }) as Record<string, unknown>;
    delete other['//'];
    expect(stackConfigHash(other, cli)).toBe(base);
  });

  it('changes with the cluster, the provider version, and the CLI flavour or version', () => {
    const variants = [
      stackConfigHash(stackJson({ servers: ['127.0.0.1:29092'] }), cli),
      stackConfigHash(stackJson({ provider: '0.13.2' }), cli),
      stackConfigHash(stackJson(), { flavour: 'tofu', version: '1.11.4' }),
      stackConfigHash(stackJson(), { flavour: 'terraform', version: '1.12.0' }),
    ];
    for (const v of variants) expect(v).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });
});

describe('skipDecision', () => {
  const record: AppliedRecord = {
    stack: 'acme',
    hash: 'h1',
    tool: 'kafka-tenancy 0.1.0',
    cli: 'terraform 1.11.4',
    provider: 'registry.terraform.io/mongey/kafka 0.13.1',
    appliedAt: '2026-11-30T00:00:00.000Z',
    state: { lineage: 'L', serial: 7 },
  };
  const decide = (over: Partial<Parameters<typeof skipDecision>[0]>) =>
    skipDecision({ record, hash: 'h1', state: { lineage: 'L', serial: 7 }, pendingFirstApply: false, ...over });

  it('skips a stack whose last successful apply was of this configuration, on this state', () => {
    expect(decide({})).toEqual({ skip: true });
  });

  it.each([
    ['no record', { record: undefined }, 'no record of a successful apply'],
    ['another configuration', { hash: 'h2' }, 'configuration changed since the last apply'],
    ['a state written since (another apply, a decommission)', { state: { lineage: 'L', serial: 8 } }, 'state changed'],
    ['a state created anew', { state: { lineage: 'M', serial: 7 } }, 'state changed'],
    ['no state file', { state: null }, 'state changed'],
    ['an interrupted first apply', { pendingFirstApply: true }, 'a first apply was interrupted'],
  ])('plans a stack with %s', (_what, over, reason) => {
    const d = decide(over);
    expect(d.skip).toBe(false);
    expect(d.skip ? '' : d.reason).toContain(reason);
  });

  it('does not compare states for a remote backend (the record is per machine)', () => {
    expect(decide({ state: undefined, record: { ...record, state: null } })).toEqual({ skip: true });
  });
});

describe('the record file', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-applied-'));
  const previous = { state: process.env.KAFKA_TENANCY_STATE_DIR, local: process.env.KAFKA_TENANCY_LOCAL_DIR };
  const local = { name: 'local', state: { backend: 'local' } } as unknown as Environment;
  const remote = { name: 'prod', state: { backend: 's3', bucket: 'b' } } as unknown as Environment;

  beforeAll(() => {
    process.env.KAFKA_TENANCY_STATE_DIR = path.join(work, 'state');
    process.env.KAFKA_TENANCY_LOCAL_DIR = path.join(work, '.local');
  });
  afterAll(() => {
    for (const [k, v] of [
      ['KAFKA_TENANCY_STATE_DIR', previous.state],
      ['KAFKA_TENANCY_LOCAL_DIR', previous.local],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('sits next to the local state, with the state stamp, the tool, CLI and provider versions and the time', () => {
    fs.mkdirSync(path.join(work, 'state'), { recursive: true });
    fs.writeFileSync(
      path.join(work, 'state', 'acme.tfstate'),
      JSON.stringify({ version: 4, serial: 3, lineage: 'abc', resources: [] }),
    );
    const written = writeAppliedRecord(local, 'acme', 'h1', cli, new Date('2026-11-30T12:00:00Z'));
    expect(appliedRecordFile(local, 'acme')).toBe(path.join(work, 'state', 'acme.applied.json'));
    expect(readAppliedRecord(local, 'acme')).toEqual(written);
    expect(written).toMatchObject({
      stack: 'acme',
      hash: 'h1',
      cli: 'terraform 1.11.4',
      provider: 'registry.terraform.io/mongey/kafka 0.13.1',
      appliedAt: '2026-11-30T12:00:00.000Z',
      state: { lineage: 'abc', serial: 3 },
    });
    expect(written.tool).toMatch(/^kafka-tenancy \d+\.\d+\.\d+/);
    removeAppliedRecord(local, 'acme');
    expect(readAppliedRecord(local, 'acme')).toBeUndefined();
  });

  it('for a remote backend lives per machine under the local folder, without a state stamp', () => {
    const written = writeAppliedRecord(remote, 'acme', 'h1', cli);
    expect(appliedRecordFile(remote, 'acme')).toBe(path.join(work, '.local', 'applied', 'prod', 'acme.applied.json'));
    expect(written.state).toBeNull();
    expect(readAppliedRecord(remote, 'acme')?.hash).toBe('h1');
  });

  it('reads a damaged or foreign record as no record, and a missing or empty state as no stamp', () => {
    fs.writeFileSync(appliedRecordFile(local, 'globex'), '{"hash": ');
    expect(readAppliedRecord(local, 'globex')).toBeUndefined();
    fs.writeFileSync(appliedRecordFile(local, 'globex'), JSON.stringify({ stack: 'acme', hash: 'h1' }));
    expect(readAppliedRecord(local, 'globex')).toBeUndefined();
    expect(localStateStamp(local, 'nobody')).toBeNull();
    fs.writeFileSync(path.join(work, 'state', 'empty.tfstate'), '');
    expect(localStateStamp(local, 'empty')).toBeNull();
  });
});
