import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EnvironmentError } from '../../../src/errors';
import { PLAN_ONLY_PASSWORD, secretVariables, StackRunner } from '../../../src/terraform/runner';
import type { TerraformCli } from '../../../src/toolchain/toolchain';
import type { SecretSource } from '../../../src/secrets';

describe('plan-only stack runner', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-runner-test-'));
  const stackDir = path.join(dir, 'acme');
  const asked: string[] = [];
  /** Holds only the planner's password, like the pull-request job. */
  const adminOnly: SecretSource = {
    get: (n) => {
      asked.push(n);
      return n === 'scram/platform-planner' ? 'planner-secret' : undefined;
    },
    getOrCreate: async (n) => {
      asked.push(n);
      throw new EnvironmentError(`secret "${n}" is missing`);
    },
  };
  const all: SecretSource = { get: (n) => `secret-of-${n}`, getOrCreate: async (n) => `secret-of-${n}` };

  beforeAll(() => {
    fs.mkdirSync(stackDir);
    const variable = {
      kafka_user: { default: 'platform-deployer' },
      deployer_password_shared: { ephemeral: true, sensitive: true },
      scram_password_acme__app: { ephemeral: true, sensitive: true },
      scram_password_acme__app_version: { default: '1' },
    };
    fs.writeFileSync(path.join(stackDir, 'cdk.tf.json'), JSON.stringify({ variable }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('logs in as the planner, feeds placeholders for SCRAM passwords and asks for the planner password only', async () => {
    asked.length = 0;
    expect(await secretVariables(stackDir, adminOnly, { planOnly: true })).toEqual({
      TF_VAR_kafka_user: 'platform-planner',
      TF_VAR_deployer_password_shared: 'planner-secret',
      TF_VAR_scram_password_acme__app: PLAN_ONLY_PASSWORD,
    });
    expect(asked).toEqual(['scram/platform-planner']);
  });

  it('logs in as the stack default (the deployer) otherwise, with the real passwords, and fails without them', async () => {
    expect(await secretVariables(stackDir, all)).toEqual({
      TF_VAR_deployer_password_shared: 'secret-of-scram/platform-deployer',
      TF_VAR_scram_password_acme__app: 'secret-of-scram/acme.app',
    });
    await expect(secretVariables(stackDir, adminOnly)).rejects.toThrow('secret "scram/platform-deployer" is missing');
  });

  it('refuses apply and destroy without running terraform', async () => {
    const cli: TerraformCli = { bin: path.join(dir, 'no-such-terraform'), flavour: 'terraform', version: '1.11.4' };
    const runner = new StackRunner(stackDir, cli, adminOnly, { planOnly: true });
    await expect(runner.apply()).rejects.toThrow(/apply refused: this runner plans with placeholder SCRAM passwords/);
    await expect(runner.destroy()).rejects.toThrow(/destroy refused/);
  });
});

describe('stack runner and a remote state that does not exist yet', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-runner-new-'));
  const stackDir = path.join(dir, 'acme');
  const bin = path.join(dir, 'terraform');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** A fake terraform: `state pull` prints the file `state` (if any); `plan` records the variable it saw. */
  beforeAll(() => {
    fs.mkdirSync(stackDir);
    fs.writeFileSync(
      bin,
      '#!/usr/bin/env bash\ncase "$1" in\n  state) cat state 2>/dev/null ;;\n  plan) echo "${TF_VAR_kafka_tenancy_new_stack:-unset}" > seen ;;\nesac\nexit 0\n',
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(stackDir, 'cdk.tf.json'),
      JSON.stringify({ variable: { kafka_tenancy_new_stack: { type: 'bool', default: false } } }),
    );
  });
  const cli: TerraformCli = { bin, flavour: 'terraform', version: '1.11.4' };
  const none: SecretSource = { get: () => undefined, getOrCreate: async () => 'x' };
  const seen = async () => {
    const runner = new StackRunner(stackDir, cli, none);
    await runner.init();
    await runner.plan();
    return fs.readFileSync(path.join(stackDir, 'seen'), 'utf8').trim();
  };

  it('tells the ledger not to read the state back when there is none (first apply)', async () => {
    expect(await seen()).toBe('true');
  });

  it("also for pg's sentinel: the empty state a new workspace starts with (no resources, no outputs)", async () => {
    fs.writeFileSync(path.join(stackDir, 'state'), '{"version":4,"serial":0,"lineage":"","outputs":{},"resources":[]}');
    expect(await seen()).toBe('true');
  });

  it('leaves the read on as soon as a state holds anything (the ledger writes outputs on the first apply)', async () => {
    fs.writeFileSync(path.join(stackDir, 'state'), '{"version":4,"outputs":{"kafka_tenancy_topics":{"value":[]}}}');
    expect(await seen()).toBe('unset');
  });
});
