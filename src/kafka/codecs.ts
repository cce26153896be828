/**
 * Snappy, LZ4 and ZSTD for kafkajs, which ships only GZIP. A tenant may declare `compression.type` on a topic
 * (`zstd`, `lz4`, `snappy`); the broker then stores, and serves, that topic's batches in that codec whatever the
 * producer sent, so every client that reads such a topic (verify's positive consume, decommission checks, the SDK's
 * consumers) must decompress them. Pure JavaScript libraries, no native build: `kafkajs-snappy` (snappyjs, with the
 * xerial framing Java clients write), `lz4js` (LZ4 frames, as Kafka's LZ4 codec writes them since message format 1)
 * and `fzstd` (ZSTD, decompression only). Producing LZ4 or ZSTD is refused with a clear error: the SDK's producers
 * send uncompressed (or GZIP, Snappy) batches and a topic's `compression.type` compresses them on the broker.
 *
 * Registered once per process, by `registerCompressionCodecs()` (kafkaClient calls it).
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { decompress as zstdDecompress } from 'fzstd';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, no type declarations
const snappyCodec = require('kafkajs-snappy') as () => Codec;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, no type declarations
const lz4 = require('lz4js') as {
  decompress(src: Uint8Array): Uint8Array | number[];
};

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const toBuffer = (a: Uint8Array | number[]) => (Buffer.isBuffer(a) ? a : Buffer.from(a as Uint8Array));

/** Producing with a codec we only read: a clear refusal instead of a batch the broker cannot take. */
const readOnly = (codec: string) => async (): Promise<Buffer> => {
  throw new Error(
    `producing ${codec}-compressed batches is not supported by this client; send uncompressed, GZIP or Snappy batches (a topic with compression.type: ${codec.toLowerCase()} is compressed by the broker)`,
  );
};

// lz4js writes frames with dependent blocks, which Kafka refuses ("Dependent block stream is unsupported"): read only
const lz4Codec = (): Codec => ({
  compress: readOnly('LZ4'),
  decompress: async (buffer) => toBuffer(lz4.decompress(buffer)),
});

const zstdCodec = (): Codec => ({
  compress: readOnly('ZSTD'),
  decompress: async (buffer) => toBuffer(zstdDecompress(buffer)),
});

let registered = false;

/** Makes kafkajs read Snappy, LZ4 and ZSTD batches (and write Snappy ones) in this process. Idempotent. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
  codecs[CompressionTypes.Snappy] = snappyCodec;
  codecs[CompressionTypes.LZ4] = lz4Codec;
  codecs[CompressionTypes.ZSTD] = zstdCodec;
  registered = true;
}
