import { Construct } from 'constructs';
import { LocalBackend, PgBackend, type PgBackendConfig, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import { KafkaProvider } from '../../gen/providers/kafka/provider';
import type { ClusterSecurity, Environment } from '../model/environment';
import {
  adminPasswordVariable,
  deployerPasswordVariable,
  KAFKA_USER_VARIABLE,
  tlsVariables,
} from '../model/terraform-names';
import { ADMIN_USER, DEPLOYER_USER, PLANNER_USER } from '../platform/identities';
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
  /** Who applies this stack: the admin (the platform stack: it bootstraps the operators) or the deployer. */
  readonly loginAs: StackLogin;
}

export type StackLogin = 'admin' | 'deployer';

/**
 * A stack bound to exactly one Kafka cluster through its own provider configuration (the platform stack adds an
 * aliased provider per other cluster: `providerFor`). Who the provider logs in as is a variable, `kafka_user`:
 * the platform stack defaults to the admin (it bootstraps the operator principals), tenant stacks to the
 * deployer; a plan-only run (pull requests) sets the planner. The password is a sensitive, ephemeral variable
 * (`admin_password_<cluster>` / `deployer_password_<cluster>`), so synthesized JSON never contains it.
 */
export class KafkaStack extends TerraformStack {
  readonly clusterName: string;
  /** This stack's own state, as `terraform_remote_state` reads it (see TopicLedger). */
  readonly priorState: PriorStateSource;
  private readonly env: Environment;
  private readonly loginAs: StackLogin;
  private readonly user: TerraformVariable;

  constructor(scope: Construct, name: string, props: KafkaStackProps) {
    super(scope, name);
    this.clusterName = props.cluster;
    this.env = props.env;
    this.loginAs = props.loginAs;
    if (!props.env.clusters[props.cluster]) throw new Error(`stack "${name}": unknown cluster "${props.cluster}"`);
    const defaultUser = props.loginAs === 'admin' ? ADMIN_USER : DEPLOYER_USER;
    this.user = new TerraformVariable(this, 'kafka-user', {
      type: 'string',
      default: defaultUser,
      nullable: false,
      description: `who the provider logs in as: ${defaultUser} applies; kafka-tenancy plan sets ${PLANNER_USER} (read-only)`,
    });
    this.user.overrideLogicalId(KAFKA_USER_VARIABLE);
    this.providerFor(props.cluster);
    this.priorState = configureBackend(this, props.env, name, props.localStatePath);
  }

  /** The provider of a cluster: the default one for the stack's own cluster, an aliased one for any other. */
  providerFor(clusterName: string): KafkaProvider {
    const alias = clusterName === this.clusterName ? undefined : clusterName;
    const existing = this.node.tryFindChild(alias ? `kafka-${alias}` : 'kafka');
    if (existing) return existing as KafkaProvider;
    const cluster = this.env.clusters[clusterName];
    if (!cluster) throw new Error(`stack "${this.node.id}": unknown cluster "${clusterName}"`);
    const suffix = alias ? `-${alias}` : '';
    const password = new TerraformVariable(this, `login-password${suffix}`, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: `password of the provider's login (var.${KAFKA_USER_VARIABLE}) on cluster ${clusterName}`,
    });
    password.overrideLogicalId(
      this.loginAs === 'admin' ? adminPasswordVariable(clusterName) : deployerPasswordVariable(clusterName),
    );
    // Ephemeral (Terraform >= 1.10, OpenTofu >= 1.11): the value is kept out of saved plan files and state.
    // cdktf 0.21 predates the attribute, hence the raw override.
    password.addOverride('ephemeral', true);
    return new KafkaProvider(this, alias ? `kafka-${alias}` : 'kafka', {
      ...(alias ? { alias } : {}),
      bootstrapServers: [...cluster.bootstrapServers],
      saslMechanism: 'scram-sha512',
      saslUsername: this.user.stringValue,
      saslPassword: password.stringValue,
      ...tlsProviderConfig(this, clusterName, cluster.security, suffix),
      timeout: 60,
    });
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
  idSuffix: string,
): { tlsEnabled: boolean; skipTlsVerify?: boolean; caCert?: string; clientCert?: string; clientKey?: string } {
  if (security.protocol !== 'SASL_SSL') return { tlsEnabled: false };
  const names = tlsVariables(clusterName);
  const variable = (id: string, name: string, description: string, sensitive = false) => {
    const v = new TerraformVariable(stack, `${id}${idSuffix}`, {
      type: 'string',
      nullable: false,
      sensitive,
      description,
    });
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
