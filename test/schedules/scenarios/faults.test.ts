/**
 * The timer under the faults of the real platform, injected BETWEEN the app and the fakes by loopback
 * proxies (test/support/faultProxy.ts): answers lost after Azure ML accepted the run (reset, 502, 504,
 * stall past the attempt timeout), requests that never reached it, a refused connection, run look-ups
 * that fail, and storage failing right after a run was created. Each occurrence starts exactly one run
 * (counted in the fake's own record), and an outcome that cannot be known is shown as `unknown`, never
 * as `failed`, until it is settled by the run's key.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../../src/aml/types';
import { occurrenceSubmissionKey } from '../../../src/schedules/submitOccurrence';
import { azuriteBlobEndpoint, connectionStringFor } from '../../support/azurite';
import {
  isHistory,
  isSubmit,
  startHttpFaultProxy,
  type HttpFault,
  type HttpFaultProxy,
} from '../../support/faultProxy';
import {
  engine,
  MINUTE,
  newContainer,
  occurrencesOf,
  runsOf,
  scheduleFile,
  startBed,
  ticks,
  type Bed,
} from './harness';

let bed: Bed;
let amlProxy: HttpFaultProxy;
let storageProxy: HttpFaultProxy;
let targets: ReadonlyMap<string, PipelineTarget>;

beforeAll(async () => {
  bed = await startBed();
  amlProxy = await startHttpFaultProxy(bed.aml.origin);
  storageProxy = await startHttpFaultProxy(new URL(azuriteBlobEndpoint()).origin);
  const train = bed.targets.get('train')!;
  // The same published pipeline, reached through the fault proxy (submit and run look-ups alike).
  targets = new Map([
    ['train', { ...train, endpointUrl: amlProxy.via(bed.aml.submitUrl(bed.workspace, { published: 'pp-scheduled' })) }],
  ]);
});

afterAll(async () => {
  await amlProxy?.close();
  await storageProxy?.close();
  await bed?.close();
});

beforeEach(() => {
  amlProxy.clear();
  storageProxy.clear();
});

const every15 = (name: string): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
});

async function scheduled(name: string, options: { blobService?: BlobServiceClient } = {}) {
  const container = await newContainer();
  const e = engine(bed, {
    container,
    files: scheduleFile([every15(name)]),
    targets,
    ...(options.blobService ? { blobService: options.blobService } : {}),
  });
  await e.tick('2026-06-01T00:00:00Z');
  return e;
}

describe('the answer is lost after Azure ML created the run', () => {
  const lost: HttpFault[] = [
    'drop_after_forward',
    'answer_502_after_forward',
    'answer_504_after_forward',
    'stall_after_forward',
  ];
  for (const fault of lost) {
    it(`${fault}: the run is found by its key at once and recorded; one run, never resent`, async () => {
      const name = `lost-${fault.split('_')[0]}-${fault.split('_')[1]}`;
      const e = await scheduled(name);
      amlProxy.fault([fault], isSubmit);
      const report = await e.tick('2026-06-01T00:15:01Z');
      expect(report.submitted).toEqual([
        expect.objectContaining({ occurrence: '2026-06-01T00:15:00Z', reconciled: true }),
      ]);
      for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:31:00Z', MINUTE)) await e.tick(now);
      expect(occurrencesOf(bed.aml, name)).toEqual(['2026-06-01T00:15:00Z', '2026-06-01T00:30:00Z']);
      const entry = (await e.store.history.entries(name)).find((h) => h.occurrence === '2026-06-01T00:15:00Z');
      expect(entry).toMatchObject({ status: 'submitted', runId: runsOf(bed.aml, name)[0]!.runId });
    }, 60_000);
  }

  it('and the look-up fails too: shown unknown (never failed), then settled by a later look-up with the same run id', async () => {
    const name = 'lost-and-blind';
    const e = await scheduled(name);
    amlProxy.fault(['drop_after_forward'], isSubmit);
    amlProxy.fault(Array<HttpFault>(20).fill('reset_before_forward'), isHistory);
    const first = await e.tick('2026-06-01T00:15:01Z');
    expect(first.submitted).toEqual([]);
    expect(first.failed).toEqual([]);
    const key = occurrenceSubmissionKey(name, new Date('2026-06-01T00:15:00Z'));
    expect(first.unknown).toEqual([expect.objectContaining({ occurrence: '2026-06-01T00:15:00Z', key })]);
    const unknown = (await e.store.history.entries(name)).find((h) => h.occurrence === '2026-06-01T00:15:00Z');
    expect(unknown).toMatchObject({ status: 'unknown', error: { code: 'schedule.submit.outcome_unknown' } });
    expect(unknown?.error?.message).toContain(key);
    expect(unknown?.error?.message).toContain('does not submit it again');
    expect(e.telemetry.events.filter((ev) => ev.name === 'ScheduleOutcomeUnknown')).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ schedule: name, key, final: 'false' }) }),
    ]);
    expect(
      e.lines.some((l) => l.startsWith(`error: schedule ${name} occurrence 2026-06-01T00:15:00Z: outcome unknown:`)),
    ).toBe(true);

    amlProxy.clear(); // Azure ML answers look-ups again
    for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:20:00Z', MINUTE)) await e.tick(now);
    expect(occurrencesOf(bed.aml, name)).toEqual(['2026-06-01T00:15:00Z']);
    const settled = (await e.store.history.entries(name)).find((h) => h.occurrence === '2026-06-01T00:15:00Z');
    expect(settled).toMatchObject({
      status: 'submitted',
      runId: runsOf(bed.aml, name)[0]!.runId,
      detail: expect.stringContaining(key),
    });
    expect((await e.store.states.get(name))?.state.pending).toEqual([]);
  }, 60_000);

  it('and look-ups fail until the retry deadline: left unknown for good, still never resent, with what to do', async () => {
    const name = 'lost-for-good';
    const container = await newContainer();
    const e = engine(bed, {
      container,
      files: scheduleFile([every15(name)]),
      targets,
      settings: { retryDeadlineMs: 10 * MINUTE },
    });
    await e.tick('2026-06-01T00:00:00Z');
    amlProxy.fault(['drop_after_forward'], isSubmit);
    amlProxy.fault(Array<HttpFault>(200).fill('reset_before_forward'), isHistory);
    for (const now of ticks('2026-06-01T00:15:00Z', '2026-06-01T00:29:00Z', MINUTE)) await e.tick(now);
    expect(occurrencesOf(bed.aml, name)).toEqual(['2026-06-01T00:15:00Z']);
    expect((await e.store.states.get(name))?.state.pending).toEqual([]);
    const entries = (await e.store.history.entries(name)).filter((h) => h.occurrence === '2026-06-01T00:15:00Z');
    expect(entries.map((h) => h.status)).toEqual(['unknown', 'unknown']); // when it became unknown, and when the app stopped looking
    expect(entries.every((h) => h.status !== 'failed')).toBe(true);
    expect(
      e.telemetry.events.filter((ev) => ev.name === 'ScheduleOutcomeUnknown').map((ev) => ev.properties.final),
    ).toEqual(['false', 'true']);
  }, 60_000);
});

describe('the request never reached Azure ML', () => {
  it('reset before forwarding (the client cannot tell): unknown, looked up after the reconcile delay, no run found, so submitted once', async () => {
    const name = 'never-sent';
    const e = await scheduled(name);
    amlProxy.fault(['reset_before_forward'], isSubmit);
    const first = await e.tick('2026-06-01T00:15:01Z');
    expect(first.unknown).toHaveLength(1);
    expect(occurrencesOf(bed.aml, name)).toEqual([]);
    const resubmittedAt: string[] = [];
    for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:20:00Z', MINUTE)) {
      if ((await e.tick(now)).submitted.length > 0) resubmittedAt.push(now.toISOString());
    }
    expect(occurrencesOf(bed.aml, name)).toEqual(['2026-06-01T00:15:00Z']);
    // Not before the look-up could be trusted: two minutes after the request.
    expect(Date.parse(resubmittedAt[0]!)).toBeGreaterThanOrEqual(Date.parse('2026-06-01T00:17:01Z'));
    expect(e.lines.some((l) => l.includes('so none was created: submitting it again'))).toBe(true);
  }, 60_000);

  it('connection refused (nothing sent): retried on later ticks as certainly not created, then submitted once', async () => {
    const name = 'refused';
    const e = await scheduled(name);
    await amlProxy.refuse();
    try {
      const first = await e.tick('2026-06-01T00:15:01Z');
      expect(first.retrying).toEqual([expect.objectContaining({ occurrence: '2026-06-01T00:15:00Z' })]);
      expect(first.unknown).toEqual([]);
    } finally {
      await amlProxy.accept();
    }
    for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:18:00Z', MINUTE)) await e.tick(now);
    expect(occurrencesOf(bed.aml, name)).toEqual(['2026-06-01T00:15:00Z']);
  }, 60_000);
});

describe('storage fails right after the run was created', () => {
  it('the run id is not lost: the occurrence stays pending and a later tick records the same run, found by its key; never failed, never resent', async () => {
    const name = 'outcome-write';
    const endpoint = `${storageProxy.origin}${new URL(azuriteBlobEndpoint()).pathname}`;
    const service = BlobServiceClient.fromConnectionString(connectionStringFor(endpoint), {
      retryOptions: { maxTries: 1 },
    });
    const e = await scheduled(name, { blobService: service });
    // Once the run exists, every write of this schedule's claim fails (the storage SDK's retries included).
    const afterTheRun = (r: { method: string; path: string }): boolean =>
      r.method === 'PUT' && r.path.includes(`/claims/${name}/`) && runsOf(bed.aml, name).length > 0;
    storageProxy.fault(Array<HttpFault>(10).fill('reset_before_forward'), afterTheRun);
    const first = await e.tick('2026-06-01T00:15:01Z');
    expect(first.failed).toEqual([]);
    const runId = runsOf(bed.aml, name)[0]!.runId;
    expect(
      e.lines.some((l) =>
        l.startsWith(
          `error: schedule ${name} occurrence 2026-06-01T00:15:00Z: run ${runId} was created, but storage refused to record it`,
        ),
      ),
    ).toBe(true);
    storageProxy.clear();
    for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:20:00Z', MINUTE)) await e.tick(now);
    expect(occurrencesOf(bed.aml, name)).toEqual(['2026-06-01T00:15:00Z']);
    const entries = (await e.store.history.entries(name)).filter((h) => h.occurrence === '2026-06-01T00:15:00Z');
    expect(entries).toEqual([expect.objectContaining({ status: 'submitted', runId })]);
  }, 90_000);
});
