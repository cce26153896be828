import { Construct } from 'constructs';
import { LocalBackend, PgBackend, type PgBackendConfig, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import { KafkaProvider } from '../../gen/providers/kafka/provider';
import type { Environment } from '../model/environment';
import { adminPasswordVariable } from '../model/terraform-names';
import { ADMIN_USER } from '../platform/identities';
import type { PriorStateSource } from '../constructs/topic-ledger';

export interface KafkaStackProps {
  readonly env: Environment;
  /** Key of the cluster in the environment that this stack's provider talks to. */
  readonly cluster: string;
  /**
   * Local state file (local backend only), absolute or relative to the synthesized stack directory.
   * @default - `.local/state/<env>/<stack>.tfstate` (git-ignored), relative to the stack directory
   */
  readonly localStatePath?: string;
}

/**
 * A stack bound to exactly one Kafka cluster through its own provider configuration. The admin password is a
 * sensitive variable, so synthesized JSON never contains it.
 */
export class KafkaStack extends TerraformStack {
  readonly clusterName: string;
  /** This stack's own state, as `terraform_remote_state` reads it (see TopicLedger). */
  readonly priorState: PriorStateSource;

  constructor(scope: Construct, name: string, props: KafkaStackProps) {
    super(scope, name);
    this.clusterName = props.cluster;
    const cluster = props.env.clusters[props.cluster];
    if (!cluster) throw new Error(`stack "${name}": unknown cluster "${props.cluster}"`);
    const adminPassword = new TerraformVariable(this, 'admin-password', {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: `password of the ${ADMIN_USER} super user on cluster ${props.cluster}`,
    });
    adminPassword.overrideLogicalId(adminPasswordVariable(props.cluster));
    // Ephemeral (Terraform >= 1.10, OpenTofu >= 1.11): the value is kept out of saved plan files and state.
    // cdktf 0.21 predates the attribute, hence the raw override.
    adminPassword.addOverride('ephemeral', true);
    new KafkaProvider(this, 'kafka', {
      bootstrapServers: [...cluster.bootstrapServers],
      saslMechanism: 'scram-sha512',
      saslUsername: ADMIN_USER,
      saslPassword: adminPassword.stringValue,
      // SASL_PLAINTEXT listeners; the provider defaults to TLS on.
      tlsEnabled: false,
      timeout: 60,
    });
    this.priorState = configureBackend(this, props.env, name, props.localStatePath);
  }
}

function configureBackend(
  stack: TerraformStack,
  env: Environment,
  name: string,
  localStatePath?: string,
): PriorStateSource {
  const state = env.state;
  switch (state.backend) {
    case 'local': {
      // Relative to cdktf.out/stacks/<name>, so state survives re-synth and stays out of git (.local/).
      const p = localStatePath ?? `../../../.local/state/${env.name}/${name}.tfstate`;
      new LocalBackend(stack, { path: p });
      return { backend: 'local', config: { path: p } };
    }
    case 's3': {
      const key = `${state.keyPrefix}/${env.name}/${name}.tfstate`;
      new S3Backend(stack, {
        bucket: state.bucket,
        region: state.region,
        key,
        encrypt: true,
        dynamodbTable: state.dynamodbTable,
      });
      // S3-native locking (Terraform >= 1.10, OpenTofu >= 1.10); cdktf 0.21 predates the attribute. With both set,
      // Terraform takes both locks: the way to move off a DynamoDB table.
      if (state.useLockfile ?? state.dynamodbTable === undefined) {
        stack.addOverride('terraform.backend.s3.use_lockfile', true);
      }
      return { backend: 's3', config: { bucket: state.bucket, region: state.region, key } };
    }
    case 'pg': {
      // The connection string is a secret: terraform reads it from PG_CONN_STR, which the CLI sets from the
      // variable the environment names (src/terraform/state-backend.ts), so it is never synthesized (cdktf's
      // PgBackend type insists on a literal conn_str, hence the cast; an override would add a second backend
      // beside the local one cdktf puts into a stack without a backend construct).
      const schema = `kafka_tenancy_${env.name}_${name.replace(/-/g, '_')}`;
      new PgBackend(stack, { schemaName: schema } as PgBackendConfig);
      return { backend: 'pg', config: { schema_name: schema } };
    }
  }
}
