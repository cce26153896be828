/**
 * How this platform's clients reach a cluster of an environment: bootstrap servers plus, for a SASL_SSL cluster,
 * the TLS material from the secret source (`security` in environments/<env>.yaml). Every kafkajs client the
 * platform opens (deploy's preflight, verify, decommission checks, the dev harness's probes) comes through here,
 * so a cluster's security is declared once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import type { ClusterEndpoint } from '../kafka/client';
import type { ClusterConfig, Environment } from '../model/environment';
import { requireSecret, secretNames, type SecretSource } from '../secrets';

export function clusterEndpoint(env: Environment, cluster: string, secrets: SecretSource): ClusterEndpoint {
  const config = env.clusters[cluster];
  if (!config) {
    throw new EnvironmentError(
      `environment "${env.name}" has no cluster "${cluster}"`,
      `clusters are: ${Object.keys(env.clusters).join(', ')}`,
    );
  }
  return endpointOfCluster(config, cluster, secrets);
}

export function endpointOfCluster(config: ClusterConfig, cluster: string, secrets: SecretSource): ClusterEndpoint {
  const { security } = config;
  if (security.protocol !== 'SASL_SSL') return { bootstrapServers: config.bootstrapServers };
  return {
    bootstrapServers: config.bootstrapServers,
    tls: {
      ...(security.caCertificate === 'secret' ? { ca: requireSecret(secrets, secretNames.tlsCa(cluster)) } : {}),
      ...(security.clientCertificate
        ? {
            cert: requireSecret(secrets, secretNames.tlsClientCert(cluster)),
            key: requireSecret(secrets, secretNames.tlsClientKey(cluster)),
          }
        : {}),
    },
  };
}

/**
 * Client properties for Kafka's own Java tools (ConfigCommand, the console consumer, AdminClient) to log in to a
 * cluster as `creds`, with TLS when the endpoint has it: the CA bundle is written as a PEM truststore into `dir`
 * (private to the caller; the properties hold the password, so write them mode 0600). Java verifies hostnames
 * (`ssl.endpoint.identification.algorithm=https`, the default, set explicitly so that nobody "fixes" it away).
 */
export function javaClientProperties(
  endpoint: ClusterEndpoint,
  creds: { username: string; password: string },
  dir: string,
): string[] {
  const lines = [
    `security.protocol=${endpoint.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`,
    'sasl.mechanism=SCRAM-SHA-512',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${creds.username}" password="${creds.password}";`,
  ];
  if (!endpoint.tls) return lines;
  if (endpoint.tls.cert || endpoint.tls.key) {
    throw new EnvironmentError('client certificates (mTLS) are not supported for the Java tools yet');
  }
  lines.push('ssl.endpoint.identification.algorithm=https');
  if (endpoint.tls.ca) {
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, endpoint.tls.ca, { mode: 0o600 });
    lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${caFile}`);
  }
  return lines;
}
