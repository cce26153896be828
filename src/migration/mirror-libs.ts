/**
 * MirrorMaker 2's runtime: `org.apache.kafka:connect-mirror` and everything it needs at run time, fetched through
 * Maven into the cache like the broker's jars (src/local/kafka-runtime.ts, which this layer may not import: the
 * dev harness sits above it). Its own classpath, because MirrorMaker is pinned to another Kafka version than the
 * brokers (VERSIONS.mirrorMaker) and two versions of kafka-clients on one classpath would be a lottery.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { cachePaths } from '../paths';
import { run, which } from '../toolchain/exec';
import { VERSIONS } from '../toolchain/versions';

/** A cold fetch is some 60 jars; a registry that stops answering must not hang the CLI. */
const MAVEN_TIMEOUT_MS = 15 * 60_000;

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
  // The cache key includes the pom, so changing what we fetch fetches afresh.
  const recipe = crypto.createHash('sha256').update(mirrorMakerPom()).digest('hex').slice(0, 8);
  const libs = cachePaths.mirrorMakerLibs(`${VERSIONS.mirrorMaker}-${recipe}`);
  const marker = path.join(libs, '.complete');
  if (fs.existsSync(marker)) return libs;
  if (!which('mvn')) throw new EnvironmentError('maven (mvn) is not on PATH', 'apt-get install maven');
  if (!which('java')) throw new EnvironmentError('java is not on PATH', 'apt-get install openjdk-17-jre-headless');
  const work = path.dirname(libs);
  fs.mkdirSync(work, { recursive: true });
  fs.rmSync(libs, { recursive: true, force: true });
  const pom = path.join(work, 'pom.xml');
  fs.writeFileSync(pom, mirrorMakerPom());
  log(`fetching MirrorMaker 2 (connect-mirror ${VERSIONS.mirrorMaker}) from Maven Central into ${libs}`);
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
    {
      timeout: MAVEN_TIMEOUT_MS,
      hint: `a coordinate was refused by the registry, or it did not answer within ${MAVEN_TIMEOUT_MS / 60_000} min; check org.apache.kafka:connect-mirror:${VERSIONS.mirrorMaker}`,
    },
  );
  const jar = `connect-mirror-${VERSIONS.mirrorMaker}.jar`;
  if (!fs.existsSync(path.join(libs, jar))) {
    throw new EnvironmentError(`maven finished but ${jar} is missing from ${libs}`);
  }
  fs.writeFileSync(marker, new Date().toISOString());
  return libs;
}

/** The `-cp` argument for MirrorMaker's JVM. */
export function mirrorMakerClasspath(libs: string): string {
  return path.join(libs, '*');
}
