/**
 * Issue 9, reactive side: the host's real shapes, nothing failing silently, a crash after the claim, and
 * a run id that is never lost, shown against Azurite and the loopback Azure ML with faults injected
 * between them and the app.
 */
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineClient } from '../../src/aml/types';
import { createBlobProbe } from '../../src/reactive/blobProbe';
import type { ClaimKey } from '../../src/reactive/claims';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import { freePort } from '../support/freePort';
import { pipelineClient, registerPipeline, sales, setup, WS, type Setup } from './harness';
import { hostTriggerMetadata, upload } from './support';

let bed: AmlTestBed;
let aml: FakeAml;
let client: PipelineClient;

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: WS });
  aml = bed.aml;
  registerPipeline(aml);
  client = pipelineClient(bed.msi);
});
afterAll(async () => {
  await bed?.close();
});

/** A clock the test moves (the claims' lease and settle periods are measured on it). */
function clock(): { now: () => Date; advance: (ms: number) => void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

async function etagOf(s: Setup, name: string): Promise<string> {
  return (await s.service.getContainerClient(s.container).getBlobClient(name).getProperties()).etag!.replace(/"/g, '');
}

describe('the host\'s real shapes (issue 9, seen #2)', () => {
  it('trigger metadata as a real host sends it (Properties.ETag is {}) starts exactly one run, for the blob\'s own version', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/real-host.csv', 'a,b\n1,2\n');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/real-host.csv');
    expect((meta.properties as Record<string, unknown>).eTag).toEqual({});
    await s.invokeBlobTrigger(meta);
    await s.invokeBlobTrigger(meta);
    expect(aml.submissions.length - before).toBe(1);
    expect(s.history).toMatchObject([{ status: 'submitted', etag: await etagOf(s, 'in/real-host.csv'), blobName: 'in/real-host.csv' }]);
  });
});

describe('nothing fails silently', () => {
  it('an event that cannot be read fails the invocation with a log line saying why', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    await expect(s.invokeBlobTrigger({ uri: 'http://x/y', properties: {} })).rejects.toMatchObject({ error: { code: 'reactive.event.unreadable' } });
    expect(s.logs.join('\n')).toMatch(/cannot handle an event now: the event cannot be read: .*blobTrigger.*delivers the event again/);
  });

  it('a blob whose properties cannot be read (storage unreachable) fails the invocation; the redelivery runs it', async () => {
    const port = await freePort(); // nothing listens there: every connection is refused
    const dead = new BlobServiceClient(`http://127.0.0.1:${port}/devstoreaccount1`, new StorageSharedKeyCredential('devstoreaccount1', 'a2V5'), { retryOptions: { maxTries: 1 } });
    const s = await setup({ aml, client, schedules: (c) => [sales(c)], deps: { probe: createBlobProbe(dead) } });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/unreadable.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/unreadable.csv');
    await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.event.probe-failed' } });
    expect(s.logs.join('\n')).toContain("reading the blob's properties failed");
    expect(aml.submissions.length - before).toBe(0);
    // Storage is back for the redelivery.
    const healthy = await setup({ aml, client, schedules: () => [sales(s.container)] });
    await healthy.invokeBlobTrigger(meta);
    expect(aml.submissions.length - before).toBe(1);
  });

  it('without REACTIVE_STORAGE an event with no version fails, naming the setting; one with a version is trusted', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)], deps: { probe: undefined } });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/no-probe.csv', 'x');
    await expect(s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/no-probe.csv'))).rejects.toMatchObject({ error: { code: 'reactive.event.no-version' } });
    expect(s.logs.join('\n')).toContain('REACTIVE_STORAGE');
    await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/no-probe.csv', 'quoted'));
    expect(aml.submissions.length - before).toBe(1);
  });

  it('events certainly not ours succeed, each with a log line saying why', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    for (const [name, content] of [['in/sub/deep.csv', 'x'], ['in/empty.csv', '']] as const) {
      const blob = await upload(s.service, s.container, name, content);
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name));
    }
    expect(aml.submissions.length - before).toBe(0);
    expect(s.logs.join('\n')).toMatch(/"in\/sub\/deep\.csv".*no reactive schedule watches[\s\S]*"in\/empty\.csv".*zero-length/);
  });
});

describe('a crash after the claim (issue 9, seen #6)', () => {
  const lease = 60_000;

  async function crashedClaim(s: Setup, name: string, at: Date, sent: boolean): Promise<ClaimKey> {
    const key: ClaimKey = { schedule: 'sales-arrivals', container: s.container, blobName: name, etag: await etagOf(s, name) };
    const opened = await s.claims.open(key, at);
    if (opened.status !== 'created') throw new Error(opened.status);
    if (sent) await s.claims.markSubmitting(opened.claim, at);
    return key; // ...and the invocation that held it died here
  }

  it('a redelivery within the lease fails its invocation (it is retried), and after the lease the version is submitted once', async () => {
    const time = clock();
    const s = await setup({ aml, client, schedules: (c) => [sales(c)], deps: { now: time.now, claimPolicy: { leaseMs: lease }, claimWaitMs: 300, claimPollMs: 50 } });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/crashed.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/crashed.csv');
    const key = await crashedClaim(s, 'in/crashed.csv', time.now(), false);

    await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.submit.retry' } });
    expect(s.logs.join('\n')).toContain('another delivery holds the claim of this version');
    expect(aml.submissions.length - before).toBe(0);

    time.advance(lease + 1);
    await s.invokeBlobTrigger(meta);
    await s.invokeBlobTrigger(meta);
    expect(aml.submissions.length - before).toBe(1);
    expect(await s.claims.read(key)).toMatchObject({ state: 'submitted', attempts: 2, runId: aml.submissions.at(-1)!.runId });
    expect(s.logs.join('\n')).toContain('its holder stopped before sending anything');
  });
});
