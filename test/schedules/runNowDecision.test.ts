/** Run now's pure decisions: request ids, claim names, what a repeated request id gets, the body. */
import { describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../src/aml/types';
import { loadScheduleDefinitions } from '../../src/schedules/loadDefinitions';
import { manualClaimId } from '../../src/schedules/blobNames';
import { occurrenceKey, parseOccurrenceKey } from '../../src/schedules/instants';
import type { ClaimRead } from '../../src/schedules/occurrenceClaims';
import {
  checkRequestId,
  decideRepeat,
  runNowSubmission,
  TAG_REQUEST,
  TAG_REQUESTED_BY,
} from '../../src/schedules/runNowDecision';
import type { Claim } from '../../src/schedules/stateTypes';

const TIMING = { submitDeadlineMs: 30_000, claimTimeoutMs: 120_000, reconcileAfterMs: 120_000 };
const NOW = new Date('2026-06-01T10:00:00Z');

function claim(extra: Partial<Claim>): ClaimRead {
  return {
    status: 'found',
    etag: '"e"',
    claim: {
      name: 'nightly',
      occurrence: 'manual.r1',
      trigger: 'manual',
      status: 'claimed',
      attempts: 1,
      claimedAt: '2026-06-01T09:59:50Z',
      updatedAt: '2026-06-01T09:59:50Z',
      ...extra,
    },
  };
}

describe('request ids and claim names', () => {
  it('accepts GUIDs and short tokens; refuses the rest naming the field and value', () => {
    expect(checkRequestId('6f1c2a3b-0000-4000-8000-000000000001', 'Idempotency-Key')).toBeUndefined();
    expect(checkRequestId('deploy.2026-06-01=1', '--request-id')).toBeUndefined();
    for (const bad of ['', '-x', 'a b', 'a/b', 'x'.repeat(129), 'ü']) {
      const e = checkRequestId(bad, 'Idempotency-Key');
      expect(e).toMatchObject({
        code: 'schedule.run_now.request_id.invalid',
        status: 400,
        field: 'Idempotency-Key',
        value: bad,
      });
      expect(e?.message).toMatch(/^Idempotency-Key .* is not a usable request id/);
    }
  });

  it("a manual claim can never be an occurrence's claim", () => {
    const id = manualClaimId('20260601T100000Z');
    expect(id).toBe('manual.20260601T100000Z');
    expect(parseOccurrenceKey(id)).toBeUndefined();
    expect(id).not.toBe(occurrenceKey(NOW));
  });
});

describe('decideRepeat', () => {
  it('a submitted claim replays its run', () => {
    expect(decideRepeat(claim({ status: 'submitted', runId: 'run-1' }), 'r1', NOW, TIMING)).toEqual({
      kind: 'replay',
      runId: 'run-1',
    });
  });

  it('a claim being submitted is in progress (409, transient, Retry-After until its deadline), then its outcome is unknown', () => {
    const c = claim({ submittingAt: '2026-06-01T09:59:50Z' });
    const busy = decideRepeat(c, 'r1', NOW, TIMING);
    expect(busy).toMatchObject({
      kind: 'in-progress',
      retryAfterSeconds: 140,
      error: { code: 'schedule.run_now.in_progress', status: 409, transient: true },
    });
    const late = decideRepeat(c, 'r1', new Date(Date.parse('2026-06-01T09:59:50Z') + 150_000), TIMING);
    expect(late).toMatchObject({ kind: 'unknown', error: { code: 'schedule.run_now.outcome_unknown', status: 409 } });
    expect(late.kind === 'unknown' && late.error.message).toMatch(
      /may or may not have started a run.*tagged aml-triggers\.request=r1/,
    );
  });

  it('a claim whose outcome is unknown, or unreadable, is never resubmitted', () => {
    const unknown = decideRepeat(claim({ status: 'unknown', unknownSince: '2026-06-01T09:00:00Z' }), 'r1', NOW, TIMING);
    expect(unknown).toMatchObject({ kind: 'unknown', error: { code: 'schedule.run_now.outcome_unknown' } });
    const corrupt = decideRepeat(
      {
        status: 'corrupt',
        etag: '"e"',
        lastModified: new Date('2026-06-01T09:00:00Z'),
        error: { code: 'storage.blob.corrupt', message: 'not JSON' },
      },
      'r1',
      NOW,
      TIMING,
    );
    expect(corrupt).toMatchObject({ kind: 'unknown', error: { code: 'schedule.run_now.outcome_unknown' } });
  });

  it('a claim abandoned before submitting says nothing was sent', () => {
    const late = decideRepeat(claim({}), 'r1', new Date(Date.parse('2026-06-01T09:59:50Z') + 150_000), TIMING);
    expect(late).toMatchObject({ kind: 'unknown', error: { code: 'schedule.run_now.abandoned' } });
    expect(late.kind === 'unknown' && late.error.message).toMatch(/stopped before it was submitted.*nothing was sent/);
  });

  it('a failed claim is not submitted again under the same id', () => {
    const r = decideRepeat(
      claim({ status: 'failed', error: { code: 'aml.pipeline.not_found', message: 'gone' } }),
      'r1',
      NOW,
      TIMING,
    );
    expect(r).toMatchObject({
      kind: 'failed',
      error: { code: 'schedule.run_now.failed_before', status: 409, field: 'requestId', value: 'r1' },
    });
    expect(r.kind === 'failed' && r.error.message).toMatch(
      /already failed \(aml\.pipeline\.not_found: gone\).*new request id/,
    );
  });
});

describe('runNowSubmission', () => {
  it("the schedule's body with the overrides key by key, tagged manual with the request and who asked, no occurrence tag", async () => {
    const loaded = await loadScheduleDefinitions(
      [
        {
          path: 's.yaml',
          text: 'name: nightly\ntarget: t\npipeline_parameters: { mode: nightly }\nrecurrence: { frequency: Day, interval: 1, start_time: "2026-01-01T02:00:00Z" }',
        },
      ],
      { now: NOW },
    );
    if (!loaded.ok) throw new Error(loaded.error.message);
    const def = loaded.value.definitions[0]!;
    if (def.kind !== 'time') throw new Error('time');
    const target: PipelineTarget = {
      name: 't',
      endpointUrl: 'https://example.invalid/submit',
      experimentName: 'exp',
      parameterAssignments: { epochs: 10, mode: 'nightly' },
      dataPathAssignments: { input: { DataStoreName: 'ds', RelativePath: 'a' } },
      tags: { owner: 'ml' },
    };
    const body = runNowSubmission(def, target, {
      requestId: 'r1',
      requestedBy: 'alice@contoso.com',
      now: NOW,
      runSource: 'SDK',
      parameters: { epochs: 3 },
      dataPaths: { other: { DataStoreName: 'ds', RelativePath: 'b' } },
    });
    expect(body).toMatchObject({
      ExperimentName: 'exp',
      ParameterAssignments: { epochs: 3, mode: 'nightly' },
      DataPathAssignments: {
        input: { DataStoreName: 'ds', RelativePath: 'a' },
        other: { DataStoreName: 'ds', RelativePath: 'b' },
      },
      RunSource: 'SDK',
    });
    expect(body.Tags).toEqual({
      owner: 'ml',
      'aml-triggers.schedule': 'nightly',
      'aml-triggers.trigger': 'manual',
      [TAG_REQUEST]: 'r1',
      [TAG_REQUESTED_BY]: 'alice@contoso.com',
    });
  });
});
