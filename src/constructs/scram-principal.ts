import { Construct } from 'constructs';
import { TerraformVariable } from 'cdktf';
import { UserScramCredential } from '../../gen/providers/kafka/user-scram-credential';
import { variableNames } from '../model/terraform-names';

export interface ScramPrincipalProps {
  /** SCRAM username, e.g. `acme.billing`. */
  readonly username: string;
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
    const names = variableNames(props.username);
    const password = new TerraformVariable(this, 'password', {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: `SCRAM password of ${props.username} (from the secret source; never committed)`,
    });
    password.overrideLogicalId(names.password);
    // Ephemeral: never stored in saved plan files or state; only write-only attributes may receive it.
    password.addOverride('ephemeral', true);
    const version = new TerraformVariable(this, 'password-version', {
      type: 'string',
      default: '1',
      description: `credential version of ${props.username}; change it to rotate the password`,
    });
    version.overrideLogicalId(names.passwordVersion);
    this.credential = new UserScramCredential(this, 'credential', {
      username: props.username,
      scramMechanism: 'SCRAM-SHA-512',
      scramIterations: 8192,
      passwordWo: password.stringValue,
      passwordWoVersion: version.stringValue,
    });
  }
}
