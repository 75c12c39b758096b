import { describe, expect, it } from 'vitest';
import { classifyAttempt, REFUSING_STATUSES, type AttemptObservation } from '../../src/aml/outcome';

describe('the outcome of one submission attempt', () => {
  it('classifies every HTTP status from 100 to 599', () => {
    for (let status = 100; status <= 599; status++) {
      const verdict = classifyAttempt({ kind: 'status', status, runId: 'run-1' });
      if (status >= 200 && status < 300)
        expect(verdict, String(status)).toEqual({ outcome: 'created', runId: 'run-1' });
      else if (status === 429 || status === 408)
        expect(verdict, String(status)).toEqual({ outcome: 'not_created', retryable: true });
      else if ([400, 401, 403, 404, 409, 413, 415, 422].includes(status))
        expect(verdict, String(status)).toEqual({ outcome: 'not_created', retryable: false });
      else expect(verdict, String(status)).toEqual({ outcome: 'unknown' });
    }
    expect([...REFUSING_STATUSES].sort()).toEqual([400, 401, 403, 404, 408, 409, 413, 415, 422]);
  });

  it('a 2xx without a readable run Id is unknown: a run may exist', () => {
    expect(classifyAttempt({ kind: 'status', status: 200 })).toEqual({ outcome: 'unknown' });
    expect(classifyAttempt({ kind: 'status', status: 200, runId: '' })).toEqual({ outcome: 'unknown' });
    expect(classifyAttempt({ kind: 'status', status: 201, runId: 'r' })).toEqual({ outcome: 'created', runId: 'r' });
  });

  it('every 5xx (gateways included) is unknown, never retryable', () => {
    for (const status of [500, 501, 502, 503, 504, 507, 599])
      expect(classifyAttempt({ kind: 'status', status, retryAfter: '1' }), String(status)).toEqual({
        outcome: 'unknown',
      });
  });

  it('failures before a connection was made created nothing and are retried; after it they are unknown', () => {
    const cases: Array<[AttemptObservation, ReturnType<typeof classifyAttempt>]> = [
      [
        { kind: 'network', code: 'ECONNREFUSED', connected: false },
        { outcome: 'not_created', retryable: true },
      ],
      [
        { kind: 'network', code: 'ENOTFOUND', connected: false },
        { outcome: 'not_created', retryable: true },
      ],
      [
        { kind: 'network', code: 'EAI_AGAIN', connected: false },
        { outcome: 'not_created', retryable: true },
      ],
      [
        { kind: 'timeout', connected: false },
        { outcome: 'not_created', retryable: true },
      ],
      [{ kind: 'network', code: 'ECONNRESET', connected: true }, { outcome: 'unknown' }],
      [{ kind: 'network', code: 'EPIPE', connected: true }, { outcome: 'unknown' }],
      [{ kind: 'timeout', connected: true }, { outcome: 'unknown' }],
      [{ kind: 'aborted', connected: true }, { outcome: 'unknown' }],
      [
        { kind: 'aborted', connected: false },
        { outcome: 'not_created', retryable: false },
      ],
    ];
    for (const [attempt, verdict] of cases) expect(classifyAttempt(attempt), JSON.stringify(attempt)).toEqual(verdict);
  });
});
