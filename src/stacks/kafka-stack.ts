import { Construct } from 'constructs';
import { LocalBackend, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import { KafkaProvider } from '../../gen/providers/kafka/provider';
import type { ClusterSecurity, Environment } from '../model/environment';
import { adminPasswordVariable, tlsVariables } from '../model/terraform-names';
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
      ...tlsProviderConfig(this, props.cluster, cluster.security),
      timeout: 60,
    });
    this.priorState = configureBackend(this, props.env, name, props.localStatePath);
  }
}

/**
 * The provider's TLS settings for a cluster's `security`: off for SASL_PLAINTEXT (the provider defaults to TLS
 * on); for SASL_SSL, verification always on (`skip_tls_verify` pinned to false, whatever KAFKA_SKIP_VERIFY says:
 * sarama verifies the chain and the hostname), the CA bundle and the mTLS certificate as variables fed from the
 * secret source (terraform-names.ts), the client key sensitive and ephemeral.
 */
function tlsProviderConfig(
  stack: TerraformStack,
  clusterName: string,
  security: ClusterSecurity,
): { tlsEnabled: boolean; skipTlsVerify?: boolean; caCert?: string; clientCert?: string; clientKey?: string } {
  if (security.protocol !== 'SASL_SSL') return { tlsEnabled: false };
  const names = tlsVariables(clusterName);
  const variable = (id: string, name: string, description: string, sensitive = false) => {
    const v = new TerraformVariable(stack, id, { type: 'string', nullable: false, sensitive, description });
    v.overrideLogicalId(name);
    if (sensitive) v.addOverride('ephemeral', true);
    return v.stringValue;
  };
  return {
    tlsEnabled: true,
    skipTlsVerify: false,
    ...(security.caCertificate === 'secret'
      ? { caCert: variable('tls-ca', names.ca, `PEM CA bundle of cluster ${clusterName}`) }
      : {}),
    ...(security.clientCertificate
      ? {
          clientCert: variable(
            'tls-client-cert',
            names.clientCert,
            `PEM client certificate for cluster ${clusterName}`,
          ),
          clientKey: variable('tls-client-key', names.clientKey, `PEM client key for cluster ${clusterName}`, true),
        }
      : {}),
  };
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
      return { backend: 's3', config: { bucket: state.bucket, region: state.region, key } };
    }
    case 'pg': {
      // The connection string is a secret: terraform reads it from PG_CONN_STR at init, so it is never
      // synthesized (cdktf's PgBackend class insists on a literal conn_str, hence the raw override).
      const schema = `kafka_tenancy_${env.name}_${name.replace(/-/g, '_')}`;
      stack.addOverride('terraform.backend', { pg: { schema_name: schema } });
      return { backend: 'pg', config: { schema_name: schema } };
    }
  }
}
