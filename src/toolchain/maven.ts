/**
 * A runtime classpath fetched through Maven into the cache: the broker's jars (src/local/kafka-runtime.ts) and
 * MirrorMaker 2's (src/migration/mirror-libs.ts). The pom is written into the cache, never vendored; the folder's
 * name carries a hash of the pom, so changing what is fetched fetches afresh; `.complete` marks a finished fetch.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { cachePaths } from '../paths';
import { run, which } from './exec';
import { VERSIONS } from './versions';

/** A cold fetch is tens of jars; a registry that stops answering must not hang the CLI. */
const MAVEN_TIMEOUT_MS = 15 * 60_000;

export interface MavenLibs {
  /** The Maven project (`<dependencies>` of what to fetch). */
  readonly pom: string;
  /** The cache folder for these libs, given the recipe (a hash of the pom): e.g. `cachePaths.kafkaLibs(...)`. */
  readonly libsDir: (recipe: string) => string;
  /** A jar that must be there afterwards, e.g. `kafka_2.13-4.4.0.jar`. */
  readonly expectJar: string;
  /** What is fetched, for the log line: `Apache Kafka 4.4.0`. */
  readonly what: string;
  /** The coordinate to name when Maven fails. */
  readonly coordinate: string;
  readonly log?: (msg: string) => void;
}

/** Directory holding every jar of the runtime classpath. Fetches through Maven on first use. */
export function ensureMavenLibs(spec: MavenLibs): string {
  const recipe = crypto.createHash('sha256').update(spec.pom).digest('hex').slice(0, 8);
  const libs = spec.libsDir(recipe);
  const marker = path.join(libs, '.complete');
  if (fs.existsSync(marker)) return libs;
  if (!which('mvn')) throw new EnvironmentError('maven (mvn) is not on PATH', 'apt-get install maven');
  if (!which('java')) throw new EnvironmentError('java is not on PATH', 'apt-get install openjdk-17-jre-headless');
  const work = path.dirname(libs);
  fs.mkdirSync(work, { recursive: true });
  fs.rmSync(libs, { recursive: true, force: true });
  const pom = path.join(work, 'pom.xml');
  fs.writeFileSync(pom, spec.pom);
  spec.log?.(`fetching ${spec.what} from Maven Central into ${libs}`);
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
      hint: `a coordinate was refused by the registry, or it did not answer within ${MAVEN_TIMEOUT_MS / 60_000} min; check ${spec.coordinate}`,
    },
  );
  if (!fs.existsSync(path.join(libs, spec.expectJar))) {
    throw new EnvironmentError(`maven finished but ${spec.expectJar} is missing from ${libs}`);
  }
  fs.writeFileSync(marker, new Date().toISOString());
  return libs;
}
