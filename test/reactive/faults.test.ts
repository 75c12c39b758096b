/**
 * Issue 9, reactive side: the host's real shapes, nothing failing silently, a crash after the claim, and
 * a run id that is never lost, shown against Azurite and the loopback Azure ML with faults injected
 * between them and the app.
 */
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { SUBMISSION_KEY_NAME } from '../../src/aml/constants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineClient } from '../../src/aml/types';
import { createBlobProbe } from '../../src/reactive/blobProbe';
import { claimName, reactiveSubmissionKey, type ClaimKey } from '../../src/reactive/claims';
import { reactiveSubmissionBody } from '../../src/reactive/handler';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import { azuriteBlobEndpoint, connectionStringFor } from '../support/azurite';
import {
  isHistory,
  isSubmit,
  startHttpFaultProxy,
  startTcpFaultProxy,
  type HttpFaultProxy,
  type TcpFaultProxy,
} from '../support/faultProxy';
import { freePort } from '../support/freePort';
import { pipelineClient, registerPipeline, sales, setup, WS, type Setup } from './harness';
import { hostTriggerMetadata, upload } from './support';

let bed: AmlTestBed;
let aml: FakeAml;
let client: PipelineClient;
/** Between the app and the fake Azure ML: drops answers, answers 502/504, fails look-ups. */
let amlProxy: HttpFaultProxy;
/** Between the claims and Azurite: refuses and resets connections. */
let storageProxy: TcpFaultProxy;
let claimsViaProxy: BlobServiceClient;

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: WS });
  aml = bed.aml;
  registerPipeline(aml);
  client = pipelineClient(bed.msi);
  amlProxy = await startHttpFaultProxy(aml.origin);
  const azurite = new URL(azuriteBlobEndpoint());
  storageProxy = await startTcpFaultProxy(Number(azurite.port));
  const endpoint = `${azurite.protocol}//127.0.0.1:${storageProxy.port}${azurite.pathname}`;
  claimsViaProxy = BlobServiceClient.fromConnectionString(connectionStringFor(endpoint), {
    retryOptions: { maxTries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 50 },
  });
});
afterAll(async () => {
  await amlProxy?.close();
  await storageProxy?.close();
  await bed?.close();
});

const runsWithKey = (key: string): number => aml.runsWith(SUBMISSION_KEY_NAME, key).length;

/** A clock the test moves (the claims' lease and settle periods are measured on it). */
function clock(): { now: () => Date; advance: (ms: number) => void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

async function etagOf(s: Setup, name: string): Promise<string> {
  return (await s.service.getContainerClient(s.container).getBlobClient(name).getProperties()).etag!.replace(/"/g, '');
}

describe("the host's real shapes (issue 9, seen #2)", () => {
  it("trigger metadata as a real host sends it (Properties.ETag is {}) starts exactly one run, for the blob's own version", async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/real-host.csv', 'a,b\n1,2\n');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/real-host.csv');
    expect((meta.properties as Record<string, unknown>).eTag).toEqual({});
    await s.invokeBlobTrigger(meta);
    await s.invokeBlobTrigger(meta);
    expect(aml.submissions.length - before).toBe(1);
    expect(s.history).toMatchObject([
      { status: 'submitted', etag: await etagOf(s, 'in/real-host.csv'), blobName: 'in/real-host.csv' },
    ]);
  });
});

describe('nothing fails silently', () => {
  it('an event that cannot be read fails the invocation with a log line saying why', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    await expect(s.invokeBlobTrigger({ uri: 'http://x/y', properties: {} })).rejects.toMatchObject({
      error: { code: 'reactive.event.unreadable' },
    });
    expect(s.logs.join('\n')).toMatch(
      /cannot handle an event now: the event cannot be read: .*blobTrigger.*delivers the event again/,
    );
  });

  it('a blob whose properties cannot be read (storage unreachable) fails the invocation; the redelivery runs it', async () => {
    const port = await freePort(); // nothing listens there: every connection is refused
    const dead = new BlobServiceClient(
      `http://127.0.0.1:${port}/devstoreaccount1`,
      new StorageSharedKeyCredential('devstoreaccount1', 'a2V5'),
      { retryOptions: { maxTries: 1 } },
    );
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
    await expect(
      s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/no-probe.csv')),
    ).rejects.toMatchObject({ error: { code: 'reactive.event.no-version' } });
    expect(s.logs.join('\n')).toContain('REACTIVE_STORAGE');
    await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/no-probe.csv', 'quoted'));
    expect(aml.submissions.length - before).toBe(1);
  });

  it('events certainly not ours succeed, each with a log line saying why', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    for (const [name, content] of [
      ['in/sub/deep.csv', 'x'],
      ['in/empty.csv', ''],
    ] as const) {
      const blob = await upload(s.service, s.container, name, content);
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name));
    }
    expect(aml.submissions.length - before).toBe(0);
    expect(s.logs.join('\n')).toMatch(
      /"in\/sub\/deep\.csv".*no reactive schedule watches[\s\S]*"in\/empty\.csv".*zero-length/,
    );
  });
});

describe('a crash after the claim (issue 9, seen #6)', () => {
  const lease = 60_000;

  async function crashedClaim(s: Setup, name: string, at: Date, sent: boolean): Promise<ClaimKey> {
    const key: ClaimKey = {
      schedule: 'sales-arrivals',
      container: s.container,
      blobName: name,
      etag: await etagOf(s, name),
    };
    const opened = await s.claims.open(key, at);
    if (opened.status !== 'created') throw new Error(opened.status);
    if (sent) await s.claims.markSubmitting(opened.claim, at);
    return key; // ...and the invocation that held it died here
  }

  it('a redelivery within the lease fails its invocation (it is retried), and after the lease the version is submitted once', async () => {
    const time = clock();
    const s = await setup({
      aml,
      client,
      schedules: (c) => [sales(c)],
      deps: { now: time.now, claimPolicy: { leaseMs: lease }, claimWaitMs: 300, claimPollMs: 50 },
    });
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
    expect(await s.claims.read(key)).toMatchObject({
      state: 'submitted',
      attempts: 2,
      runId: aml.submissions.at(-1)!.runId,
    });
    expect(s.logs.join('\n')).toContain('its holder stopped before sending anything');
  });
});

describe('a request that may have reached Azure ML is reconciled, never resent blindly', () => {
  const lease = 60_000;
  const policy = { leaseMs: lease, submitDeadlineMs: 60_000, settleMs: 120_000 };

  /** An uploaded blob whose claim was marked `submittingAt` by an invocation that then died. */
  async function crashedMidSend(name: string) {
    const time = clock();
    const s = await setup({
      aml,
      client,
      schedules: (c) => [sales(c)],
      deps: { now: time.now, claimPolicy: policy, claimWaitMs: 0 },
    });
    const blob = await upload(s.service, s.container, name, 'x');
    const meta = await hostTriggerMetadata(blob, s.container, name);
    const key: ClaimKey = {
      schedule: 'sales-arrivals',
      container: s.container,
      blobName: name,
      etag: await etagOf(s, name),
    };
    const opened = await s.claims.open(key, time.now());
    if (opened.status !== 'created') throw new Error(opened.status);
    await s.claims.markSubmitting(opened.claim, time.now());
    return { time, s, meta, key, submissionKey: reactiveSubmissionKey(key) };
  }

  it('the answer is lost (reset after forwarding): the run is found by its key; one run, recorded submitted', async () => {
    const s = await setup({ aml, client, via: amlProxy.via, schedules: (c) => [sales(c)] });
    const blob = await upload(s.service, s.container, 'in/lost-answer.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/lost-answer.csv');
    amlProxy.fault(['drop_after_forward'], isSubmit);
    await s.invokeBlobTrigger(meta);
    await s.invokeBlobTrigger(meta);
    const key = reactiveSubmissionKey({
      schedule: 'sales-arrivals',
      container: s.container,
      blobName: 'in/lost-answer.csv',
      etag: await etagOf(s, 'in/lost-answer.csv'),
    });
    expect(runsWithKey(key)).toBe(1);
    const run = aml.runsWith(SUBMISSION_KEY_NAME, key)[0]!;
    expect(s.history).toMatchObject([{ status: 'submitted', runId: run.runId }]);
    expect(s.logs.join('\n')).toContain(`found run ${run.runId}`);
  });

  it('answer lost AND look-up failing: unknown (history, log, ReactiveOutcomeUnknown), the invocation fails; the redelivery records the same run', async () => {
    const s = await setup({ aml, client, via: amlProxy.via, schedules: (c) => [sales(c)] });
    const blob = await upload(s.service, s.container, 'in/unknown.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/unknown.csv');
    amlProxy.fault(['answer_502_after_forward'], isSubmit);
    amlProxy.fault(['answer_504_after_forward'], isHistory);
    await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.submit.retry' } });
    const etag = await etagOf(s, 'in/unknown.csv');
    const ck: ClaimKey = { schedule: 'sales-arrivals', container: s.container, blobName: 'in/unknown.csv', etag };
    const key = reactiveSubmissionKey(ck);
    expect(runsWithKey(key)).toBe(1);
    expect(await s.claims.read(ck)).toMatchObject({ state: 'unknown' });
    expect(s.history).toMatchObject([{ status: 'unknown', error: { code: 'aml.submission.outcome_unknown' } }]);
    expect(s.telemetry.events.filter((e) => e.name === 'ReactiveOutcomeUnknown')).toMatchObject([
      { properties: { schedule: 'sales-arrivals', key, etag } },
    ]);
    expect(s.logs.join('\n')).toMatch(/outcome unknown: .*it is NOT submitted again/);

    await s.invokeBlobTrigger(meta); // the host's retry: Azure ML answers the look-up now
    const run = aml.runsWith(SUBMISSION_KEY_NAME, key)[0]!;
    expect(runsWithKey(key)).toBe(1);
    expect(await s.claims.read(ck)).toMatchObject({ state: 'submitted', runId: run.runId });
    expect(s.history.map((h) => h.status)).toEqual(['unknown', 'submitted']);
  });

  it('crash while the request was in flight and Azure ML created the run: after the lease the run is found, nothing is resent', async () => {
    const { time, s, meta, key, submissionKey } = await crashedMidSend('in/in-flight.csv');
    // The dead invocation's request reached Azure ML (same body, same key).
    const schedule = (await s.deps.schedules())[0]!;
    const sent = await client.submit(
      schedule.target,
      reactiveSubmissionBody(schedule.target, schedule.definition, 'in/in-flight.csv'),
      { key: submissionKey },
    );
    if (!sent.ok) throw new Error(sent.error.message);

    await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.submit.retry' } }); // its holder may still be sending
    time.advance(policy.submitDeadlineMs + lease + 1);
    await s.invokeBlobTrigger(meta);
    await s.invokeBlobTrigger(meta);
    expect(runsWithKey(submissionKey)).toBe(1);
    expect(await s.claims.read(key)).toMatchObject({ state: 'submitted', runId: sent.value.runId });
    expect(s.history).toMatchObject([{ status: 'submitted', runId: sent.value.runId }]);
  });

  it('crash while in flight and no run was created: unknown until the settle period has passed, then submitted once', async () => {
    const { time, s, meta, key, submissionKey } = await crashedMidSend('in/never-arrived.csv');

    time.advance(policy.submitDeadlineMs + lease + 1); // its holder is surely gone; the settle period after the send is not over
    await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.submit.retry' } });
    expect(runsWithKey(submissionKey)).toBe(0);
    expect(await s.claims.read(key)).toMatchObject({ state: 'unknown' });
    expect(s.telemetry.events.some((e) => e.name === 'ReactiveOutcomeUnknown')).toBe(true);

    time.advance(policy.settleMs);
    await s.invokeBlobTrigger(meta);
    await s.invokeBlobTrigger(meta);
    expect(runsWithKey(submissionKey)).toBe(1);
    expect(await s.claims.read(key)).toMatchObject({ state: 'submitted' });
    expect(s.history.map((h) => h.status)).toEqual(['unknown', 'submitted']);
  });
});

describe('a corrupt claim is reported and resolved like a crash mid-send', () => {
  it('it is named in the log, the run is looked up by its key: found → recorded, nothing resent; none → submitted once', async () => {
    const time = clock();
    const policy = { leaseMs: 60_000, submitDeadlineMs: 60_000, settleMs: 120_000 };
    const s = await setup({
      aml,
      client,
      schedules: (c) => [sales(c)],
      deps: { now: time.now, claimPolicy: policy, claimWaitMs: 0 },
    });
    const names = ['in/corrupt-with-run.csv', 'in/corrupt-no-run.csv'];
    const keys: ClaimKey[] = [];
    for (const name of names) {
      await upload(s.service, s.container, name, 'x');
      const key: ClaimKey = {
        schedule: 'sales-arrivals',
        container: s.container,
        blobName: name,
        etag: await etagOf(s, name),
      };
      keys.push(key);
      await s.claims.store.upsert(claimName(key), { version: 1, torn: true }); // damaged: not a claim record
    }
    const schedule = (await s.deps.schedules())[0]!;
    const sent = await client.submit(
      schedule.target,
      reactiveSubmissionBody(schedule.target, schedule.definition, names[0]!),
      { key: reactiveSubmissionKey(keys[0]!) },
    );
    if (!sent.ok) throw new Error(sent.error.message);

    time.advance(24 * 3600_000); // found a day later all the same: when a corrupt claim was made is unknown
    for (const name of names) {
      const blob = s.service.getContainerClient(s.container).getBlockBlobClient(name);
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name));
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name));
    }
    expect(runsWithKey(reactiveSubmissionKey(keys[0]!))).toBe(1);
    expect(runsWithKey(reactiveSubmissionKey(keys[1]!))).toBe(1);
    expect(await s.claims.read(keys[0]!)).toMatchObject({ state: 'submitted', runId: sent.value.runId });
    expect(await s.claims.read(keys[1]!)).toMatchObject({ state: 'submitted' });
    expect(s.logs.filter((l) => l.includes('cannot be read') && l.includes('reactive-claims/'))).toHaveLength(2);
  });
});

describe('a run id is never lost (issue 9, seen #5 on the reactive path)', () => {
  it('the run is created, then the claims storage refuses every write: the invocation fails and the redelivery records the same run', async () => {
    const time = clock();
    const lease = 60_000;
    // Times the fault: storage goes away the moment Azure ML has answered (the fault itself is the proxy's).
    const failStorageAfterSubmit: PipelineClient = {
      submit: async (...args) => {
        const result = await client.submit(...args);
        await storageProxy.refuse();
        storageProxy.resetAll();
        return result;
      },
      findRun: (...args) => client.findRun(...args),
    };
    const policy = { leaseMs: lease, submitDeadlineMs: 60_000 };
    const s = await setup({
      aml,
      client: failStorageAfterSubmit,
      claimsService: claimsViaProxy,
      schedules: (c) => [sales(c)],
      deps: { now: time.now, claimPolicy: policy, claimWaitMs: 0, recordRetryMs: 10 },
    });
    const blob = await upload(s.service, s.container, 'in/unrecorded.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/unrecorded.csv');
    try {
      await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.submit.retry' } });
    } finally {
      await storageProxy.accept();
    }
    const ck: ClaimKey = {
      schedule: 'sales-arrivals',
      container: s.container,
      blobName: 'in/unrecorded.csv',
      etag: await etagOf(s, 'in/unrecorded.csv'),
    };
    const key = reactiveSubmissionKey(ck);
    expect(runsWithKey(key)).toBe(1);
    const runId = aml.runsWith(SUBMISSION_KEY_NAME, key)[0]!.runId;
    expect(s.logs.join('\n')).toContain(`started run ${runId} for blob`);
    expect(await s.claims.read(ck)).toMatchObject({ state: 'claimed', submittingAt: expect.any(String) });

    time.advance(policy.submitDeadlineMs + lease + 1);
    await s.invokeBlobTrigger(meta);
    expect(runsWithKey(key)).toBe(1);
    expect(await s.claims.read(ck)).toMatchObject({ state: 'submitted', runId });
    expect(s.history).toMatchObject([{ status: 'submitted', runId }]);
  });
});
