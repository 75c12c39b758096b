import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  parseRetryAfter,
  type AttemptOutcome,
} from '../../src/aml/retry';

const now = Date.parse('2026-11-24T17:00:00Z');
const policy = {
  ...DEFAULT_RETRY_POLICY,
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 30_000,
};

describe('which outcomes are retried', () => {
  it('retries only what created nothing and may pass: 429, 408, failures before connecting', () => {
    for (const status of [429, 408]) expect(isRetryable({ kind: 'status', status }), String(status)).toBe(true);
    expect(isRetryable({ kind: 'timeout', connected: false })).toBe(true);
    expect(isRetryable({ kind: 'network', code: 'ECONNREFUSED', connected: false })).toBe(true);
  });

  it('never retries a 5xx, a timeout or reset after connecting (a run may exist), nor a refusing 4xx', () => {
    for (const status of [500, 502, 503, 504, 400, 401, 403, 404, 409, 415, 422])
      expect(isRetryable({ kind: 'status', status }), String(status)).toBe(false);
    expect(isRetryable({ kind: 'timeout', connected: true })).toBe(false);
    expect(isRetryable({ kind: 'network', code: 'ECONNRESET', connected: true })).toBe(false);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(new Date(now + 7_000).toUTCString(), now)).toBe(7_000);
    expect(parseRetryAfter(new Date(now - 7_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('is the wait when present, and a too-long ask gives up instead of waiting', () => {
    const outcome: AttemptOutcome = { kind: 'status', status: 429, retryAfter: '4' };
    expect(decideRetry({ outcome, attempt: 1, policy, nowMs: now, remainingMs: 60_000, random: () => 0 })).toEqual({
      retry: true,
      delayMs: 4_000,
      reason: 'retry-after',
    });
    const long: AttemptOutcome = { kind: 'status', status: 429, retryAfter: '120' };
    expect(
      decideRetry({ outcome: long, attempt: 1, policy, nowMs: now, remainingMs: 600_000, random: () => 0 }),
    ).toMatchObject({ retry: false, reason: 'retry_after_too_long' });
  });
});

describe('backoff', () => {
  it('is full jitter under a doubling, capped bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = backoffDelay(attempt, policy, () => r);
        const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        return delay >= 0 && delay < bound + 1e-9 && delay <= policy.maxDelayMs;
      }),
    );
    expect(backoffDelay(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(399);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
  });
});

describe('budgets', () => {
  const fail: AttemptOutcome = { kind: 'status', status: 429 };
  it('stops at the attempt limit', () => {
    expect(
      decideRetry({ outcome: fail, attempt: 4, policy, nowMs: now, remainingMs: 60_000, random: () => 0.5 }).retry,
    ).toBe(true);
    expect(
      decideRetry({ outcome: fail, attempt: 5, policy, nowMs: now, remainingMs: 60_000, random: () => 0.5 }),
    ).toEqual({ retry: false, reason: 'attempts_exhausted' });
  });

  it('never plans a wait that ends past the deadline', () => {
    expect(
      decideRetry({ outcome: fail, attempt: 3, policy, nowMs: now, remainingMs: 100, random: () => 0.999 }),
    ).toMatchObject({ retry: false, reason: 'deadline' });
    expect(
      decideRetry({
        outcome: { kind: 'status', status: 429, retryAfter: '5' },
        attempt: 1,
        policy,
        nowMs: now,
        remainingMs: 4_000,
        random: () => 0,
      }),
    ).toMatchObject({ retry: false, reason: 'deadline', delayMs: 5_000 });
  });

  it('does not retry a 4xx even with budget left', () => {
    expect(
      decideRetry({
        outcome: { kind: 'status', status: 403 },
        attempt: 1,
        policy,
        nowMs: now,
        remainingMs: 60_000,
        random: () => 0,
      }),
    ).toEqual({ retry: false, reason: 'not_retryable' });
  });
});
