/**
 * Pinned versions of everything the local platform fetches or builds. Change them here only;
 * the cache keys include the versions, so a change triggers a fresh fetch/build.
 */
export const VERSIONS = {
  /** org.apache.kafka:kafka_2.13 — 4.4.0 resolves with all dependencies from Maven Central. */
  kafka: '4.4.0',
  /** SLF4J 1.x binding for Kafka's slf4j-api 1.7.36; matches the log4j-core that kafka-server pulls in. */
  log4j: '2.25.5',
  /**
   * org.apache.kafka:connect-mirror (MirrorMaker 2, tier migration): 4.3.1 is the newest release Maven Central
   * serves here (4.4.0 is not). It runs on a classpath of its own, apart from the broker's, and its 4.3.1
   * clients talk to the 4.4.0 brokers (clients and brokers negotiate API versions).
   */
  mirrorMaker: '4.3.1',
  /** Pinned so Maven never falls back to the ancient super-POM default (2.8), whose deps are not served. */
  mavenDependencyPlugin: '3.8.1',
  /** github.com/Mongey/terraform-provider-kafka — built from the Go module proxy. */
  provider: '0.13.1',
  /** Fallback CLI when neither terraform nor tofu is on PATH (MPL-2.0, built from the Go module proxy). */
  opentofu: '1.11.14',
  /** opentofu's own go.mod replaces hcl; a wrapper module must carry the same line. */
  opentofuHclReplace: 'github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828',
} as const;

export const PROVIDER_SOURCE = 'registry.terraform.io/mongey/kafka';
