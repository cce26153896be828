import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { cachePaths } from '../paths';
import { run, which } from '../toolchain/exec';
import { VERSIONS } from '../toolchain/versions';

/** The Maven project that pulls the broker and a logging binding; written into the cache, never vendored. */
function runtimePom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-tenancy</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${VERSIONS.kafka}</version></dependency>
    <!-- kafka-configs (ConfigCommand) and the other admin tools, as in the release tarball's libs/ -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${VERSIONS.kafka}</version></dependency>
    <!-- Kafka publishes slf4j-api 1.7 but not its log4j binding (releaseOnly in its build); without one the broker logs nothing. -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${VERSIONS.log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${VERSIONS.log4j}</version></dependency>
  </dependencies>
</project>
`;
}

/** Directory holding every jar of the broker's runtime classpath. Fetches through Maven on first use. */
export function ensureKafkaLibs(log: (msg: string) => void = () => {}): string {
  // The cache key includes the pom, so changing what we fetch fetches afresh.
  const recipe = crypto.createHash('sha256').update(runtimePom()).digest('hex').slice(0, 8);
  const libs = cachePaths.kafkaLibs(`${VERSIONS.kafka}-${recipe}`);
  const marker = path.join(libs, '.complete');
  if (fs.existsSync(marker)) return libs;
  if (!which('mvn')) throw new EnvironmentError('maven (mvn) is not on PATH', 'apt-get install maven');
  if (!which('java')) throw new EnvironmentError('java is not on PATH', 'apt-get install openjdk-17-jre-headless');
  const work = path.dirname(libs);
  fs.mkdirSync(work, { recursive: true });
  fs.rmSync(libs, { recursive: true, force: true });
  const pom = path.join(work, 'pom.xml');
  fs.writeFileSync(pom, runtimePom());
  log(`fetching Apache Kafka ${VERSIONS.kafka} from Maven Central into ${libs}`);
  run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pom,
      `-Dmaven.repo.local=${cachePaths.m2()}`,
      `org.apache.maven.plugins:maven-dependency-plugin:${VERSIONS.mavenDependencyPlugin}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    { hint: `a coordinate was refused by the registry; check org.apache.kafka:kafka_2.13:${VERSIONS.kafka}` },
  );
  if (!fs.existsSync(path.join(libs, `kafka_2.13-${VERSIONS.kafka}.jar`))) {
    throw new EnvironmentError(`maven finished but kafka_2.13-${VERSIONS.kafka}.jar is missing from ${libs}`);
  }
  fs.writeFileSync(marker, new Date().toISOString());
  return libs;
}

export function kafkaClasspath(libs: string): string {
  return path.join(libs, '*');
}
