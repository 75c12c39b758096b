import { describe, expect, it } from 'vitest';
import { decideAfterLookup, decideClaim, type ClaimPolicy, type LookupAnswer } from '../../src/reactive/claimDecision';
import type { ClaimRecord, ClaimState } from '../../src/reactive/claims';

const policy: ClaimPolicy = { leaseMs: 300_000, submitDeadlineMs: 60_000, settleMs: 120_000 };
const T = Date.parse('2026-03-01T10:00:00Z');
const at = (ms: number): string => new Date(T + ms).toISOString();

function record(state: ClaimState, over: Partial<ClaimRecord> = {}): ClaimRecord {
  return {
    version: 1,
    schedule: 's',
    container: 'c',
    blobName: 'in/x.csv',
    etag: '0x1',
    state,
    attempts: 1,
    claimedAt: at(0),
    updatedAt: at(0),
    ...over,
  };
}

describe('the claim rule (claimDecision.ts), every state', () => {
  it('submitted → done, with its run id', () => {
    expect(decideClaim({ kind: 'found', record: record('submitted', { runId: 'r1' }) }, T + 1, policy)).toEqual({
      action: 'done',
      runId: 'r1',
    });
  });

  it('failed (no run was created), transient or not, any attempt → take over and submit again', () => {
    for (const transient of [true, false]) {
      for (const attempts of [1, 5, 50]) {
        const r = record('failed', { attempts, error: { code: 'aml.x', message: 'x', transient } });
        expect(decideClaim({ kind: 'found', record: r }, T, policy)).toEqual({ action: 'takeOver' });
      }
    }
  });

  it('claimed, nothing sent: wait for the lease (a live holder), then take over', () => {
    const r = record('claimed', { updatedAt: at(1000) });
    expect(decideClaim({ kind: 'found', record: r }, T + 1000, policy)).toEqual({
      action: 'wait',
      untilMs: T + 1000 + policy.leaseMs,
    });
    expect(decideClaim({ kind: 'found', record: r }, T + 1000 + policy.leaseMs - 1, policy).action).toBe('wait');
    expect(decideClaim({ kind: 'found', record: r }, T + 1000 + policy.leaseMs, policy)).toEqual({
      action: 'takeOver',
    });
  });

  it('claimed, request maybe sent: wait for the submit deadline plus the lease after the send, then reconcile from its send time', () => {
    const r = record('claimed', { updatedAt: at(1000), submittingAt: at(1000) });
    const ends = T + 1000 + policy.submitDeadlineMs + policy.leaseMs;
    expect(decideClaim({ kind: 'found', record: r }, ends - 1, policy)).toEqual({ action: 'wait', untilMs: ends });
    expect(decideClaim({ kind: 'found', record: r }, ends, policy)).toEqual({
      action: 'reconcile',
      sentAtMs: T + 1000,
    });
  });

  it('unknown → reconcile at once, on every delivery (its holder finished and recorded that)', () => {
    expect(
      decideClaim(
        { kind: 'found', record: record('unknown', { submittingAt: at(5), updatedAt: at(10) }) },
        T + 10,
        policy,
      ),
    ).toEqual({ action: 'reconcile', sentAtMs: T + 5 });
    expect(decideClaim({ kind: 'found', record: record('unknown') }, T, policy)).toEqual({ action: 'reconcile' });
  });

  it('corrupt → treated as a send at its last write: wait as for one, then reconcile with no known send time', () => {
    const written = new Date(T);
    const ends = T + policy.submitDeadlineMs + policy.leaseMs;
    expect(decideClaim({ kind: 'corrupt', lastModified: written }, ends - 1, policy)).toEqual({
      action: 'wait',
      untilMs: ends,
    });
    expect(decideClaim({ kind: 'corrupt', lastModified: written }, ends, policy)).toEqual({ action: 'reconcile' });
    expect(decideClaim({ kind: 'corrupt' }, T, policy)).toEqual({ action: 'reconcile' });
  });

  it('an unparseable time never holds a claim forever', () => {
    expect(
      decideClaim({ kind: 'found', record: record('claimed', { updatedAt: 'garbage' }) }, T, policy).action,
    ).not.toBe('wait');
  });
});

describe('after the look-up by submission key', () => {
  const settled = T + policy.submitDeadlineMs + policy.settleMs;
  const answers: LookupAnswer[] = [{ kind: 'found', runId: 'r9' }, { kind: 'notFound' }, { kind: 'failed' }];

  it('found → record that run, whenever; failed → stays unknown, whenever', () => {
    for (const now of [T, settled - 1, settled, settled + 1e9]) {
      expect(decideAfterLookup(answers[0]!, T, now, policy)).toEqual({ action: 'record', runId: 'r9' });
      expect(decideAfterLookup(answers[2]!, T, now, policy)).toEqual({ action: 'unknown', why: 'lookup-failed' });
    }
  });

  it('not found → submit only once the settle period after the last possible send has passed', () => {
    expect(decideAfterLookup({ kind: 'notFound' }, T, settled - 1, policy)).toEqual({
      action: 'unknown',
      why: 'not-settled',
      untilMs: settled,
    });
    expect(decideAfterLookup({ kind: 'notFound' }, T, settled, policy)).toEqual({ action: 'submit' });
    expect(decideAfterLookup({ kind: 'notFound' }, undefined, T, policy)).toEqual({ action: 'submit' });
  });
});
