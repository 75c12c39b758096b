/**
 * Azure ML's Retry-After kept on the client's errors (`retryAfterSeconds`), so the HTTP functions can
 * tell their own callers when to come back. Pure parts here; the wire end to end is in
 * test/http/retryAfter.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { deadlineError, errorForStatus } from '../../src/aml/errors';
import { retryAfterSeconds } from '../../src/aml/retry';
import { errorContext } from './errorFixtures';

const ctx = errorContext(3);
const received = Date.parse('2026-11-24T20:00:00.400Z');

describe('retryAfterSeconds: the wait a Retry-After asks for', () => {
  it('reads delta-seconds as given', () => {
    expect(retryAfterSeconds('30', undefined, received)).toBe(30);
    expect(retryAfterSeconds(' 0 ', 'Tue, 24 Nov 2026 20:00:00 GMT', received)).toBe(0);
    expect(retryAfterSeconds('1.5', undefined, received)).toBe(1.5);
  });

  it("measures an HTTP date from the answer's own Date header, so clock skew does not matter", () => {
    // Azure ML's clock is five minutes ahead of the app's: the wait is still the 45 s it meant.
    expect(retryAfterSeconds('Tue, 24 Nov 2026 20:05:45 GMT', 'Tue, 24 Nov 2026 20:05:00 GMT', received)).toBe(45);
  });

  it('measures an HTTP date from when the answer arrived when there is no readable Date header', () => {
    expect(retryAfterSeconds('Tue, 24 Nov 2026 20:00:10 GMT', undefined, received)).toBeCloseTo(9.6, 6);
    expect(retryAfterSeconds('Tue, 24 Nov 2026 20:00:10 GMT', 'garbage', received)).toBeCloseTo(9.6, 6);
  });

  it('is never negative, and undefined when absent or unreadable', () => {
    expect(retryAfterSeconds('Tue, 24 Nov 2026 19:59:00 GMT', 'Tue, 24 Nov 2026 20:00:00 GMT', received)).toBe(0);
    expect(retryAfterSeconds(undefined, 'Tue, 24 Nov 2026 20:00:00 GMT', received)).toBeUndefined();
    expect(retryAfterSeconds(null, undefined, received)).toBeUndefined();
    expect(retryAfterSeconds('soon', undefined, received)).toBeUndefined();
  });
});

describe('errors keep the wait Azure ML asked for', () => {
  it('on the throttled and 408 errors (nothing was created), next to the message that quotes it', () => {
    const throttled = errorForStatus(429, '', ctx, '30', 30);
    expect(throttled).toMatchObject({ code: 'aml.throttled', status: 503, transient: true, retryAfterSeconds: 30 });
    expect(throttled.message).toMatch(/it asked to wait 30 s/);
    expect(errorForStatus(408, '', ctx, '2', 2)).toMatchObject({ code: 'aml.unavailable', retryAfterSeconds: 2 });
  });

  it('not when Azure ML gave none, and never on a refusal that waiting cannot fix', () => {
    expect(errorForStatus(429, '', ctx)).not.toHaveProperty('retryAfterSeconds');
    expect(errorForStatus(429, '', ctx, 'soon', undefined)).not.toHaveProperty('retryAfterSeconds');
    for (const status of [400, 403, 404, 409])
      expect(errorForStatus(status, '', ctx, '30', 30), String(status)).not.toHaveProperty('retryAfterSeconds');
  });

  it('not on a 5xx: its outcome is unknown, so no caller may be invited to come back and resend', () => {
    const e = errorForStatus(503, '', ctx, '12', 12);
    expect(e).toMatchObject({ code: 'aml.server_error', outcome: 'unknown', transient: false });
    expect(e).not.toHaveProperty('retryAfterSeconds');
  });

  it('on the deadline error when the Retry-After is what the deadline could not fit, keeping the throttled error inside', () => {
    const throttled = errorForStatus(429, '', ctx, '30', 30);
    const e = deadlineError(ctx, 2_000, throttled, throttled.retryAfterSeconds);
    expect(e).toMatchObject({
      code: 'aml.deadline_exceeded',
      status: 504,
      retryAfterSeconds: 30,
      errors: [{ code: 'aml.throttled' }],
    });
    expect(deadlineError(ctx, 2_000, throttled)).not.toHaveProperty('retryAfterSeconds');
  });
});
