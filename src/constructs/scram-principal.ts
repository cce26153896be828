import { Construct } from 'constructs';
import { Fn, TerraformStack, TerraformVariable } from 'cdktf';
import { UserScramCredential } from '../../gen/providers/kafka/user-scram-credential';
import { REVOCATION_VARIABLE, REVOKED_CREDENTIAL_VERSION, variableNames } from '../model/terraform-names';

export interface ScramPrincipalProps {
  /** SCRAM username, e.g. `acme.billing`. */
  readonly username: string;
  /**
   * Revoke instead of manage: the credential's password is replaced by one derived from a random per-run secret
   * that nobody records, so nobody can log in as this user any more, yet the credential is not deleted
   * (deleting SCRAM credentials can lock every user out on a broker restart, docs/upstream/kafka-scram-delta.md).
   * @default false
   */
  readonly revoked?: boolean;
}

/**
 * A SCRAM-SHA-512 credential. The password never appears in synthesized JSON: it is a sensitive Terraform
 * EPHEMERAL variable (fed by `kafka-tenancy deploy` from the environment's secret source as TF_VAR_*) passed
 * to the provider's write-only `password_wo`, so it is not stored in Terraform state or saved plan files either.
 * Rotation: bump the `<name>_version` variable (non-secret) together with the new secret.
 */
export class ScramPrincipal extends Construct {
  readonly credential: UserScramCredential;

  constructor(scope: Construct, id: string, props: ScramPrincipalProps) {
    super(scope, id);
    if (props.revoked) {
      // sha512(random-per-run secret, username): known at plan time (the provider cannot plan an unknown
      // password, so uuid() is out), write-only and ephemeral, so stored nowhere and known to nobody.
      this.credential = new UserScramCredential(this, 'credential', {
        username: props.username,
        scramMechanism: 'SCRAM-SHA-512',
        scramIterations: 8192,
        passwordWo: Fn.sha512(`${revocationVariable(TerraformStack.of(this)).stringValue}:${props.username}`),
        passwordWoVersion: REVOKED_CREDENTIAL_VERSION,
      });
      return;
    }
    const { password, version } = passwordVariables(this, props.username);
    this.credential = new UserScramCredential(this, 'credential', {
      username: props.username,
      scramMechanism: 'SCRAM-SHA-512',
      scramIterations: 8192,
      passwordWo: password.stringValue,
      passwordWoVersion: version.stringValue,
    });
  }
}

/** The stack's one revocation variable (REVOCATION_VARIABLE), declared on first use. */
/**
 * The password variables of a username, once per stack: a tenant moving between clusters has the same user on
 * both (same password, from the same secret), so the second credential reuses the first one's variables.
 */
const passwordVariablesByStack = new WeakMap<
  TerraformStack,
  Map<string, { password: TerraformVariable; version: TerraformVariable }>
>();

function passwordVariables(
  scope: Construct,
  username: string,
): { password: TerraformVariable; version: TerraformVariable } {
  const stack = TerraformStack.of(scope);
  const known = passwordVariablesByStack.get(stack) ?? new Map();
  passwordVariablesByStack.set(stack, known);
  const existing = known.get(username);
  if (existing) return existing;
  const names = variableNames(username);
  const password = new TerraformVariable(scope, 'password', {
    type: 'string',
    sensitive: true,
    nullable: false,
    description: `SCRAM password of ${username} (from the secret source; never committed)`,
  });
  password.overrideLogicalId(names.password);
  // Ephemeral: never stored in saved plan files or state; only write-only attributes may receive it.
  password.addOverride('ephemeral', true);
  const version = new TerraformVariable(scope, 'password-version', {
    type: 'string',
    default: '1',
    description: `credential version of ${username}; change it to rotate the password`,
  });
  version.overrideLogicalId(names.passwordVersion);
  const made = { password, version };
  known.set(username, made);
  return made;
}

function revocationVariable(stack: TerraformStack): TerraformVariable {
  const existing = stack.node.tryFindChild('scram-revocation');
  if (existing) return existing as TerraformVariable;
  const v = new TerraformVariable(stack, 'scram-revocation', {
    type: 'string',
    sensitive: true,
    nullable: false,
    description:
      'random on every run and never stored (kafka-tenancy deploy/decommission set it): revoked credentials get passwords nobody knows',
  });
  v.overrideLogicalId(REVOCATION_VARIABLE);
  v.addOverride('ephemeral', true);
  return v;
}
