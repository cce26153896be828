import * as path from 'node:path';
import { cachePaths } from '../paths';
import { ensureMavenLibs } from '../toolchain/maven';
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
  return ensureMavenLibs({
    pom: runtimePom(),
    libsDir: (recipe) => cachePaths.kafkaLibs(`${VERSIONS.kafka}-${recipe}`),
    expectJar: `kafka_2.13-${VERSIONS.kafka}.jar`,
    what: `Apache Kafka ${VERSIONS.kafka}`,
    coordinate: `org.apache.kafka:kafka_2.13:${VERSIONS.kafka}`,
    log,
  });
}

export function kafkaClasspath(libs: string): string {
  return path.join(libs, '*');
}
