import { describe, expect, it } from 'vitest';
import { decideAfterLookup, decideClaim, type ClaimPolicy, type LookupAnswer } from '../../src/reactive/claimDecision';
import type { ClaimRecord, ClaimState } from '../../src/reactive/claims';

const policy: ClaimPolicy = { leaseMs: 300_000, submitDeadlineMs: 60_000, settleMs: 120_000 };
const T = Date.parse('2026-03-01T10:00:00Z');
const at = (ms: number): string => new Date(T + ms).toISOString();

function record(state: ClaimState, over: Partial<ClaimRecord> = {}): ClaimRecord {
  return { version: 1, schedule: 's', container: 'c', blobName: 'in/x.csv', etag: '0x1', state, attempts: 1, claimedAt: at(0), updatedAt: at(0), ...over };
}

describe('the claim rule (claimDecision.ts), every state', () => {
  it('submitted → done, with its run id', () => {
    expect(decideClaim({ kind: 'found', record: record('submitted', { runId: 'r1' }) }, T + 1, policy)).toEqual({ action: 'done', runId: 'r1' });
  });

  it('failed (no run was created), transient or not, any attempt → take over and submit again', () => {
    for (const transient of [true, false]) {
      for (const attempts of [1, 5, 50]) {
        const r = record('failed', { attempts, error: { code: 'aml.x', message: 'x', transient } });
        expect(decideClaim({ kind: 'found', record: r }, T, policy)).toEqual({ action: 'takeOver' });
      }
    }
  });

  it('claimed within the lease → wait until the lease ends (a live holder), with or without submittingAt', () => {
    for (const submittingAt of [undefined, at(1000)]) {
      const r = record('claimed', { updatedAt: at(1000), ...(submittingAt ? { submittingAt } : {}) });
      expect(decideClaim({ kind: 'found', record: r }, T + 1000, policy)).toEqual({ action: 'wait', untilMs: T + 1000 + policy.leaseMs });
      expect(decideClaim({ kind: 'found', record: r }, T + 1000 + policy.leaseMs - 1, policy).action).toBe('wait');
    }
  });

  it('claimed past the lease: nothing sent → take over; request maybe sent → reconcile from its send time', () => {
    const past = T + policy.leaseMs;
    expect(decideClaim({ kind: 'found', record: record('claimed') }, past, policy)).toEqual({ action: 'takeOver' });
    expect(decideClaim({ kind: 'found', record: record('claimed', { submittingAt: at(0) }) }, past, policy)).toEqual({ action: 'reconcile', sentAtMs: T });
  });

  it('unknown → reconcile at once (its holder finished); corrupt → reconcile with no known send time', () => {
    expect(decideClaim({ kind: 'found', record: record('unknown', { submittingAt: at(5), updatedAt: at(10) }) }, T + 11, policy)).toEqual({ action: 'reconcile', sentAtMs: T + 5 });
    expect(decideClaim({ kind: 'found', record: record('unknown') }, T, policy)).toEqual({ action: 'reconcile' });
    expect(decideClaim({ kind: 'corrupt' }, T, policy)).toEqual({ action: 'reconcile' });
  });

  it('an unparseable updatedAt counts as long ago (never a claim held forever)', () => {
    expect(decideClaim({ kind: 'found', record: record('claimed', { updatedAt: 'garbage' }) }, T, policy)).toEqual({ action: 'takeOver' });
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
    expect(decideAfterLookup({ kind: 'notFound' }, T, settled - 1, policy)).toEqual({ action: 'unknown', why: 'not-settled', untilMs: settled });
    expect(decideAfterLookup({ kind: 'notFound' }, T, settled, policy)).toEqual({ action: 'submit' });
    expect(decideAfterLookup({ kind: 'notFound' }, undefined, T, policy)).toEqual({ action: 'submit' });
  });
});
