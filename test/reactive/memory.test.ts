/**
 * Issue 5 point 5: the function must not hold the blob's bytes. A real 200 MB upload to Azurite (streamed
 * from a reused 1 MB buffer, so the test does not hold it either), then the handler runs exactly as the
 * worker would call it with deferred binding: the host's ModelBindingData goes through the same
 * `ResourceFactoryResolver.createClient('AzureStorageBlobs', data)` call @azure/functions makes
 * (src/converters/fromRpcTypedData.ts), and `context.triggerMetadata` is built from the blob's real
 * properties. Heap and buffer memory are sampled while the handler runs, and must not grow with the
 * blob; a control measurement shows the same probe does see a download of the blob.
 */
import { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AZURE_STORAGE_BLOBS,
  registerBlobReferenceFactory,
  resourceFactoryResolver,
} from '../../src/reactive/sdkBinding';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import type { FakeMsi } from '../support/fakeMsi';
import { pipelineClient, registerPipeline, setup } from './harness';
import { hostTriggerMetadata } from './support';

const MB = 1024 * 1024;
const SIZE = 200 * MB;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Peak {
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
}

/** Runs `work`, sampling memory every millisecond; returns the peak growth over the settled baseline. */
async function peakGrowth(work: () => Promise<unknown>): Promise<Peak> {
  gc();
  const base = process.memoryUsage();
  const peak: Peak = { heapUsed: 0, arrayBuffers: 0, rss: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed - base.heapUsed);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers - base.arrayBuffers);
    peak.rss = Math.max(peak.rss, m.rss - base.rss);
  };
  const timer = setInterval(sample, 1);
  try {
    await work();
    sample();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

describe('the blob-trigger handler does not hold the blob in memory', () => {
  let bed: AmlTestBed;
  let msi: FakeMsi;
  let aml: FakeAml;
  beforeAll(async () => {
    bed = await startAmlTestBed();
    ({ msi, aml } = bed);
    registerPipeline(aml);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it(
    'a 200 MB upload: one submission, and the handler path grows memory by far less than the blob',
    { timeout: 180_000 },
    async () => {
      const s = await setup({
        aml,
        client: pipelineClient(msi),
        schedules: (c) => [
          {
            name: 'big-files',
            target: 'ingest',
            datastore: 'landing',
            container: c,
            path_on_datastore: 'in',
            data_path_parameter_name: 'input_data',
          },
        ],
      });
      const name = 'in/big file #1.bin';
      const blob = s.service.getContainerClient(s.container).getBlockBlobClient(name);
      const chunk = Buffer.alloc(MB, 0x61);
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let i = 0; i < SIZE / MB; i++) yield chunk;
      }
      await blob.uploadStream(Readable.from(chunks()), 4 * MB, 4);
      const meta = await hostTriggerMetadata(blob, s.container, name);
      expect((meta.properties as { contentLength: number }).contentLength).toBe(SIZE);

      registerBlobReferenceFactory();
      // What the host sends with deferred binding, turned into the handler's argument the way the library does it.
      const modelBindingData = {
        version: '1.0',
        source: AZURE_STORAGE_BLOBS,
        contentType: 'application/json',
        content: Buffer.from(
          JSON.stringify({ Connection: 'REACTIVE_STORAGE', ContainerName: s.container, BlobName: name }),
        ),
      };
      const argument = resourceFactoryResolver().createClient(AZURE_STORAGE_BLOBS, modelBindingData);
      expect(argument).toEqual({
        kind: 'blobReference',
        connection: 'REACTIVE_STORAGE',
        containerName: s.container,
        blobName: name,
      });

      // Warm up the path once on another blob (module loading, token, connections), then measure.
      const warm = await (async () => {
        const b = s.service.getContainerClient(s.container).getBlockBlobClient('in/warm.csv');
        await b.upload('x', 1);
        return hostTriggerMetadata(b, s.container, 'in/warm.csv');
      })();
      await s.invokeBlobTrigger(warm, argument);

      const before = aml.submissions.length;
      const growth = await peakGrowth(() => s.invokeBlobTrigger(meta, argument));
      expect(aml.submissions.length - before).toBe(1);
      expect(aml.submissions.at(-1)!.body.DataPathAssignments).toEqual({
        input_data: { DataStoreName: 'landing', RelativePath: name },
      });
      console.log(
        `handler path, ${SIZE / MB} MB blob: peak growth heap ${(growth.heapUsed / MB).toFixed(1)} MB, buffers ${(growth.arrayBuffers / MB).toFixed(1)} MB, rss ${(growth.rss / MB).toFixed(1)} MB`,
      );
      expect(growth.arrayBuffers).toBeLessThan(16 * MB);
      expect(growth.heapUsed).toBeLessThan(32 * MB);
      expect(growth.rss).toBeLessThan(SIZE / 4);

      // Control: the same probe sees a handler that would hold the content.
      const holding = await peakGrowth(async () => {
        const content = await blob.downloadToBuffer();
        expect(content.length).toBe(SIZE);
      });
      expect(holding.arrayBuffers + holding.heapUsed).toBeGreaterThan(SIZE * 0.9);
    },
  );
});
