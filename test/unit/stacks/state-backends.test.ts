/**
 * The state backend a stack synthesizes, per environment setting: s3 locks with a lock file beside the state
 * (use_lockfile, Terraform >= 1.10) unless the environment still names a DynamoDB table; pg carries no
 * connection string (terraform takes it from PG_CONN_STR). The real pg backend is in
 * test/integration/pg-state.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadModel } from '../../../src/model';
import { synthesize } from '../../../src/stacks/synth';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');

interface StackJson {
  terraform: { backend: Record<string, Record<string, unknown>> };
  data?: { terraform_remote_state?: Record<string, { backend: string; config: Record<string, unknown> }> };
}

describe('state backends in the synthesized stacks', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-backends-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** The platform stack of the local environment with `state` replaced. */
  function platformWith(name: string, state: Record<string, unknown>): StackJson {
    const root = path.join(work, name);
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.mkdirSync(path.join(root, 'environments'), { recursive: true });
    const env = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'environments', 'local.yaml'), 'utf8')) as object;
    fs.writeFileSync(path.join(root, 'environments', 'local.yaml'), stringifyYaml({ ...env, state }));
    const out = path.join(root, 'out');
    synthesize(loadModel({ env: 'local', root }), out);
    return JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'platform', 'cdk.tf.json'), 'utf8')) as StackJson;
  }

  const s3 = { backend: 's3', bucket: 'b', region: 'eu-west-1' };

  it('s3 locks with a lock file beside the state by default (no DynamoDB table needed)', () => {
    const backend = platformWith('s3-default', s3).terraform.backend;
    expect(Object.keys(backend)).toEqual(['s3']);
    expect(backend.s3).toMatchObject({ bucket: 'b', key: 'kafka-tenancy/local/platform.tfstate', use_lockfile: true });
    expect(backend.s3).not.toHaveProperty('dynamodb_table');
  });

  it('s3 with a deprecated dynamodbTable keeps locking there, and with useLockfile takes both locks', () => {
    const legacy = platformWith('s3-dynamo', { ...s3, dynamodbTable: 'locks' }).terraform.backend.s3;
    expect(legacy).toMatchObject({ dynamodb_table: 'locks' });
    expect(legacy).not.toHaveProperty('use_lockfile');
    const both = platformWith('s3-both', { ...s3, dynamodbTable: 'locks', useLockfile: true }).terraform.backend.s3;
    expect(both).toMatchObject({ dynamodb_table: 'locks', use_lockfile: true });
  });

  it('s3 without locking only when asked for explicitly', () => {
    const backend = platformWith('s3-nolock', { ...s3, useLockfile: false }).terraform.backend.s3;
    expect(backend).not.toHaveProperty('use_lockfile');
    expect(backend).not.toHaveProperty('dynamodb_table');
  });

  it('pg is the only backend, with a schema of its own per stack and no connection string', () => {
    const json = platformWith('pg', { backend: 'pg' });
    expect(json.terraform.backend).toEqual({ pg: { schema_name: 'kafka_tenancy_local_platform' } });
    const [prior] = Object.values(json.data?.terraform_remote_state ?? {});
    expect(prior).toMatchObject({ backend: 'pg', config: { schema_name: 'kafka_tenancy_local_platform' } });
    expect(JSON.stringify(json)).not.toMatch(/conn_str/);
  });
});
