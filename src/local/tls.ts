/**
 * TLS for local clusters whose `security.protocol` is SASL_SSL: one CA per environment and one certificate per
 * cluster, made with openssl into `.local/tls/<env>/` (git-ignored, keys mode 0600), never committed.
 *
 * - The CA is made once and kept; `local reset` keeps it too, so clients holding the bundle stay valid.
 * - A broker certificate names 127.0.0.1 and localhost (SANs): clients verify hostnames, always.
 * - Kafka reads the key and chain as a PEM keystore; Kafka insists that a PEM key file is encrypted, so the key
 *   is encrypted (PKCS#8 PBE-SHA1-3DES: Java 17 has no PBES2 SecretKeyFactory, so an AES/PBES2 key does not load)
 *   with a random password kept in a 0600 file next to it (and in server.properties, which already
 *   holds the admin's JAAS password and is 0600 too). No password is ever on a command line: openssl reads it
 *   from a file (`-passout file:`).
 * - The CA bundle goes into the environment's secret source as `tlsca/<cluster>` (public, but that is where
 *   every client of the platform, the provider included, takes TLS material from: platform/connection.ts).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import type { Environment } from '../model/environment';
import { localDir, mkdirPrivate } from '../paths';
import { LocalFileSecrets, secretNames, type SecretSource } from '../secrets';
import { run, which } from '../toolchain/exec';

/** Certificates outlive any dev machine's checkout; the CA a little longer than the brokers it signs. */
const CA_DAYS = 3650;
const BROKER_DAYS = 825;

export interface LocalTlsFiles {
  readonly caFile: string;
  /** PEM keystore: encrypted PKCS#8 key, broker certificate, CA. */
  readonly keystoreFile: string;
  readonly keyPasswordFile: string;
}

export function tlsDir(envName: string): string {
  return path.join(localDir(), 'tls', envName);
}

function openssl(args: string[], cwd: string): void {
  if (!which('openssl')) {
    throw new EnvironmentError(
      'openssl is not on PATH (local SASL_SSL clusters need it to make their CA and certificates)',
      'install openssl (Debian: apt-get install -y openssl)',
    );
  }
  run('openssl', args, {
    cwd,
    hint: 'the local CA and broker certificates live in .local/tls; remove it to start afresh',
  });
}

/** The environment's CA (made once). */
function ensureCa(envName: string): { dir: string; caFile: string; caKey: string } {
  const dir = tlsDir(envName);
  const caFile = path.join(dir, 'ca.pem');
  const caKey = path.join(dir, 'ca.key');
  if (fs.existsSync(caFile) && fs.existsSync(caKey)) return { dir, caFile, caKey };
  mkdirPrivate(dir);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      String(CA_DAYS),
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      `/O=kafka-tenancy/CN=kafka-tenancy local CA (${envName})`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  fs.chmodSync(caKey, 0o600);
  return { dir, caFile, caKey };
}

/** A certificate for `name` signed by the environment's CA, with the given SANs. Returns [key, cert] paths. */
export function issueCertificate(
  envName: string,
  name: string,
  sans: readonly string[],
  usage: 'serverAuth,clientAuth' | 'clientAuth' = 'serverAuth,clientAuth',
): { keyFile: string; certFile: string } {
  const { dir } = ensureCa(envName);
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) return { keyFile, certFile };
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
    ].join('\n') + '\n',
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/O=kafka-tenancy/CN=${name}`,
    ],
    dir,
  );
  fs.chmodSync(keyFile, 0o600);
  openssl(
    [
      'x509',
      '-req',
      '-sha256',
      '-days',
      String(BROKER_DAYS),
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
  fs.rmSync(path.join(dir, `${name}.csr`), { force: true });
  fs.rmSync(ext, { force: true });
  return { keyFile, certFile };
}

/** SANs of a local broker: the loopback address its listener binds and the name that resolves to it. */
export const LOCAL_BROKER_SANS = ['IP:127.0.0.1', 'DNS:localhost'] as const;

/**
 * Make (once) the CA and the cluster's broker certificate and keystore, and put the CA bundle into the secret
 * source as `tlsca/<cluster>`.
 */
export async function ensureLocalTls(env: Environment, cluster: string, secrets: SecretSource): Promise<LocalTlsFiles> {
  const { dir, caFile } = ensureCa(env.name);
  const { keyFile, certFile } = issueCertificate(env.name, `broker-${cluster}`, LOCAL_BROKER_SANS);
  const keystoreFile = path.join(dir, `broker-${cluster}.keystore.pem`);
  const keyPasswordFile = path.join(dir, `broker-${cluster}.keystore.password`);
  if (!fs.existsSync(keystoreFile) || !fs.existsSync(keyPasswordFile)) {
    fs.writeFileSync(keyPasswordFile, crypto.randomBytes(24).toString('base64url'), { mode: 0o600 });
    const encrypted = path.join(dir, `broker-${cluster}.key.p8`);
    openssl(
      [
        'pkcs8',
        '-topk8',
        '-v1',
        'PBE-SHA1-3DES',
        '-in',
        keyFile,
        '-out',
        encrypted,
        '-passout',
        `file:${keyPasswordFile}`,
      ],
      dir,
    );
    fs.writeFileSync(
      keystoreFile,
      [fs.readFileSync(encrypted, 'utf8'), fs.readFileSync(certFile, 'utf8'), fs.readFileSync(caFile, 'utf8')].join(''),
      { mode: 0o600 },
    );
    fs.rmSync(encrypted, { force: true });
  }
  const ca = fs.readFileSync(caFile, 'utf8');
  if (secrets instanceof LocalFileSecrets) {
    await secrets.put(secretNames.tlsCa(cluster), ca);
    if (env.clusters[cluster]?.security.clientCertificate) {
      // mTLS: one client certificate per cluster for the platform's own clients (provider, verify, harness)
      const client = issueCertificate(env.name, `client-${cluster}`, [], 'clientAuth');
      await secrets.put(secretNames.tlsClientCert(cluster), fs.readFileSync(client.certFile, 'utf8'));
      await secrets.put(secretNames.tlsClientKey(cluster), fs.readFileSync(client.keyFile, 'utf8'));
    }
  } else if (secrets.get(secretNames.tlsCa(cluster)) !== ca) {
    throw new EnvironmentError(
      `cluster "${cluster}" is SASL_SSL, and its CA bundle (secret "${secretNames.tlsCa(cluster)}") is not the local CA`,
      `set it from ${caFile}`,
    );
  }
  return { caFile, keystoreFile, keyPasswordFile };
}

/** server.properties lines of a SASL_SSL client listener named CLIENT (also the inter-broker listener). */
export function tlsServerProperties(files: LocalTlsFiles, clientAuth: boolean): string[] {
  return [
    '# TLS of the CLIENT listener: PEM keystore (encrypted key + chain) and the CA as truststore (local/tls.ts)',
    'listener.name.client.ssl.keystore.type=PEM',
    `listener.name.client.ssl.keystore.location=${files.keystoreFile}`,
    `listener.name.client.ssl.key.password=${fs.readFileSync(files.keyPasswordFile, 'utf8').trim()}`,
    'listener.name.client.ssl.truststore.type=PEM',
    `listener.name.client.ssl.truststore.location=${files.caFile}`,
    // the broker's own connections to itself (inter-broker) verify the hostname like any client
    'listener.name.client.ssl.endpoint.identification.algorithm=https',
    `listener.name.client.ssl.client.auth=${clientAuth ? 'required' : 'none'}`,
  ];
}
