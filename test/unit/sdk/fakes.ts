/** In-memory stand-ins for kafkajs and time, for the SDK unit tests. */
import type {
  Consumer,
  ConsumerConfig,
  ConsumerRunConfig,
  IHeaders,
  Kafka,
  KafkaMessage,
  Producer,
  ProducerBatch,
  ProducerConfig,
  RecordMetadata,
} from 'kafkajs';
import type { Clock } from '../../../src/sdk';

/** A clock that only moves when told to, or when someone sleeps on it. */
export class FakeClock implements Clock {
  constructor(public t = 0) {}
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

export interface SentMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: IHeaders;
  readonly partition: number | undefined;
}

/** Records what would have been sent. */
export class FakeProducer {
  readonly batches: ProducerBatch[] = [];
  connected = false;

  get sent(): SentMessage[] {
    return this.batches.flatMap((b) =>
      (b.topicMessages ?? []).flatMap((tm) =>
        tm.messages.map((m) => ({
          topic: tm.topic,
          key: String(m.key),
          value: typeof m.value === 'string' ? Buffer.from(m.value) : (m.value as Buffer),
          headers: m.headers ?? {},
          partition: m.partition,
        })),
      ),
    );
  }

  async connect(): Promise<void> {
    this.connected = true;
  }
  async disconnect(): Promise<void> {
    this.connected = false;
  }
  async send(): Promise<RecordMetadata[]> {
    throw new Error('TenantProducer is expected to use sendBatch');
  }
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.batches.push(batch);
    return (batch.topicMessages ?? []).map((tm) => ({ topicName: tm.topic, partition: 0, errorCode: 0 }));
  }

  asProducer(): Producer {
    return this as unknown as Producer;
  }
}

export class FakeConsumer {
  subscriptions: { topics: (string | RegExp)[]; fromBeginning?: boolean }[] = [];
  runConfig: ConsumerRunConfig | undefined;
  constructor(readonly config: ConsumerConfig) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async stop(): Promise<void> {}
  async subscribe(s: { topics: (string | RegExp)[]; fromBeginning?: boolean }): Promise<void> {
    this.subscriptions.push(s);
  }
  async run(config: ConsumerRunConfig): Promise<void> {
    this.runConfig = config;
  }
  /** Deliver one message the way kafkajs' eachMessage would. */
  async deliver(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    if (!this.runConfig?.eachMessage) throw new Error('run() was not called');
    await this.runConfig.eachMessage({ topic, partition, message, heartbeat: async () => {}, pause: () => () => {} });
  }
}

/** A `Kafka` that hands out fakes and remembers the configs it was asked for. */
export class FakeKafka {
  readonly consumers: FakeConsumer[] = [];
  readonly producers: { config: ProducerConfig | undefined; producer: FakeProducer }[] = [];
  consumer(config: ConsumerConfig): Consumer {
    const c = new FakeConsumer(config);
    this.consumers.push(c);
    return c as unknown as Consumer;
  }
  producer(config?: ProducerConfig): Producer {
    const producer = new FakeProducer();
    this.producers.push({ config, producer });
    return producer.asProducer();
  }
  asKafka(): Kafka {
    return this as unknown as Kafka;
  }
}

let offset = 0;
/** A fetched message as kafkajs hands it to eachMessage. */
export function fetched(m: {
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: IHeaders;
}): KafkaMessage {
  return {
    key: m.key === null ? null : Buffer.from(m.key),
    value: m.value === null ? null : Buffer.from(m.value),
    headers: m.headers ?? {},
    timestamp: '1700000000000',
    attributes: 0,
    offset: String(offset++),
  };
}

/** What a FakeProducer sent, as a consumer would fetch it. */
export function asFetched(
  s: SentMessage,
  override: Partial<{ key: string; value: Buffer; headers: IHeaders }> = {},
): KafkaMessage {
  return fetched({
    key: override.key ?? s.key,
    value: override.value ?? s.value,
    headers: override.headers ?? s.headers,
  });
}
