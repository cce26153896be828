/**
 * MirrorMaker 2's runtime: `org.apache.kafka:connect-mirror` and everything it needs at run time, fetched through
 * Maven into the cache like the broker's jars (src/local/kafka-runtime.ts, which this layer may not import: the
 * dev harness sits above it). Its own classpath, because MirrorMaker is pinned to another Kafka version than the
 * brokers (VERSIONS.mirrorMaker) and two versions of kafka-clients on one classpath would be a lottery.
 */
import * as path from 'node:path';
import { cachePaths } from '../paths';
import { ensureMavenLibs } from '../toolchain/maven';
import { VERSIONS } from '../toolchain/versions';

/** The Maven project that pulls MirrorMaker 2 and a logging binding; written into the cache, never vendored. */
function mirrorMakerPom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-tenancy</groupId><artifactId>mirror-maker-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- MirrorMaker 2 (org.apache.kafka.connect.mirror.MirrorMaker); pulls connect-runtime, connect-mirror-client, kafka-clients -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-mirror</artifactId><version>${VERSIONS.mirrorMaker}</version></dependency>
    <!-- Kafka publishes slf4j-api 1.7 but not its log4j binding; without one MirrorMaker logs nothing, and its log is how start-up is judged. -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${VERSIONS.log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${VERSIONS.log4j}</version></dependency>
  </dependencies>
</project>
`;
}

/** Directory holding every jar of MirrorMaker 2's runtime classpath. Fetches through Maven on first use. */
export function ensureMirrorMakerLibs(log: (msg: string) => void = () => {}): string {
  return ensureMavenLibs({
    pom: mirrorMakerPom(),
    libsDir: (recipe) => cachePaths.mirrorMakerLibs(`${VERSIONS.mirrorMaker}-${recipe}`),
    expectJar: `connect-mirror-${VERSIONS.mirrorMaker}.jar`,
    what: `MirrorMaker 2 (connect-mirror ${VERSIONS.mirrorMaker})`,
    coordinate: `org.apache.kafka:connect-mirror:${VERSIONS.mirrorMaker}`,
    log,
  });
}

/** The `-cp` argument for MirrorMaker's JVM. */
export function mirrorMakerClasspath(libs: string): string {
  return path.join(libs, '*');
}
