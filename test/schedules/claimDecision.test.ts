/**
 * The decision about an occurrence someone else claimed (claimDecision.ts), table by table: every claim
 * status and shape, each on both sides of its time limit.
 */
import { describe, expect, it } from 'vitest';
import { decideClaim, type ClaimDecision, type ClaimPolicy } from '../../src/schedules/claimDecision';
import type { ClaimRead } from '../../src/schedules/occurrenceClaims';
import type { Claim, PendingRetry } from '../../src/schedules/stateTypes';

const policy: ClaimPolicy = { claimTimeoutMs: 120_000, submitDeadlineMs: 30_000, reconcileAfterMs: 300_000 };
const at = (iso: string): Date => new Date(iso);
const entry: PendingRetry = {
  occurrence: '20260601T020000Z',
  attempts: 1,
  nextAttemptAt: '2026-06-01T02:01:00Z',
  deadline: '2026-06-01T03:00:00Z',
};

function claim(fields: Partial<Claim>): ClaimRead {
  return {
    status: 'found',
    etag: '"e"',
    claim: {
      name: 's',
      occurrence: '20260601T020000Z',
      trigger: 'schedule',
      status: 'claimed',
      attempts: 1,
      claimedAt: '2026-06-01T02:00:00Z',
      updatedAt: '2026-06-01T02:00:00Z',
      ...fields,
    },
  };
}

const corrupt = (lastModified?: string): ClaimRead => ({
  status: 'corrupt',
  etag: '"c"',
  ...(lastModified ? { lastModified: at(lastModified) } : {}),
  error: {
    code: 'storage.blob.corrupt',
    message: 'Blob x/claims/s/20260601T020000Z.json is not valid JSON; fix or delete it.',
  },
});

const wait = (iso: string): ClaimDecision => ({ kind: 'wait', until: at(iso) });

const table: readonly [string, ClaimRead, string, ClaimDecision][] = [
  // [case, claim, now, decision]
  [
    'missing claim: create it (nothing was sent under it)',
    { status: 'missing' },
    '2026-06-01T02:00:05Z',
    { kind: 'takeOver', reason: 'missing' },
  ],

  [
    'submitted',
    claim({ status: 'submitted', runId: 'r1' }),
    '2026-06-01T02:00:05Z',
    { kind: 'done', status: 'submitted' },
  ],
  [
    'failed',
    claim({ status: 'failed', error: { code: 'aml.bad_request', message: 'x' } }),
    '2026-06-01T02:00:05Z',
    { kind: 'done', status: 'failed' },
  ],
  ['skipped', claim({ status: 'skipped' }), '2026-06-01T02:00:05Z', { kind: 'done', status: 'skipped' }],

  [
    'claimed, nothing sent, holder may still be working',
    claim({ updatedAt: '2026-06-01T02:00:00Z' }),
    '2026-06-01T02:01:59Z',
    wait('2026-06-01T02:02:00Z'),
  ],
  [
    'claimed, nothing sent, exactly at the timeout',
    claim({ updatedAt: '2026-06-01T02:00:00Z' }),
    '2026-06-01T02:02:00Z',
    { kind: 'takeOver', reason: 'stale_claim' },
  ],
  [
    'claimed, nothing sent, long after the timeout',
    claim({ updatedAt: '2026-06-01T02:00:00Z' }),
    '2026-06-02T00:00:00Z',
    { kind: 'takeOver', reason: 'stale_claim' },
  ],

  [
    'claimed and submitting, within deadline + timeout',
    claim({ submittingAt: '2026-06-01T02:00:01Z' }),
    '2026-06-01T02:02:30Z',
    wait('2026-06-01T02:02:31Z'),
  ],
  [
    'claimed and submitting, at deadline + timeout: may have reached Azure ML',
    claim({ submittingAt: '2026-06-01T02:00:01Z' }),
    '2026-06-01T02:02:31Z',
    { kind: 'reconcile', reason: 'in_flight' },
  ],
  [
    'claimed and submitting, much later: never taken over',
    claim({ submittingAt: '2026-06-01T02:00:01Z' }),
    '2026-06-03T00:00:00Z',
    { kind: 'reconcile', reason: 'in_flight' },
  ],

  [
    'retrying, next attempt later',
    claim({ status: 'retrying', nextAttemptAt: '2026-06-01T02:05:00Z', deadline: '2026-06-01T03:00:00Z' }),
    '2026-06-01T02:04:59Z',
    wait('2026-06-01T02:05:00Z'),
  ],
  [
    'retrying, its time has come',
    claim({ status: 'retrying', nextAttemptAt: '2026-06-01T02:05:00Z', deadline: '2026-06-01T03:00:00Z' }),
    '2026-06-01T02:05:00Z',
    { kind: 'takeOver', reason: 'retry_due' },
  ],
  [
    'retrying, no next attempt time: now',
    claim({ status: 'retrying', deadline: '2026-06-01T03:00:00Z' }),
    '2026-06-01T02:05:00Z',
    { kind: 'takeOver', reason: 'retry_due' },
  ],
  [
    'retrying, next attempt after the deadline, deadline not passed: one last try',
    claim({ status: 'retrying', nextAttemptAt: '2026-06-01T03:10:00Z', deadline: '2026-06-01T03:00:00Z' }),
    '2026-06-01T02:30:00Z',
    { kind: 'takeOver', reason: 'retry_due' },
  ],
  [
    'retrying, exactly at the deadline: still tried',
    claim({ status: 'retrying', nextAttemptAt: '2026-06-01T02:59:00Z', deadline: '2026-06-01T03:00:00Z' }),
    '2026-06-01T03:00:00Z',
    { kind: 'takeOver', reason: 'retry_due' },
  ],
  [
    'retrying, the deadline passed',
    claim({ status: 'retrying', nextAttemptAt: '2026-06-01T02:59:00Z', deadline: '2026-06-01T03:00:00Z' }),
    '2026-06-01T03:00:01Z',
    { kind: 'giveUp', reason: 'the retry deadline passed', deadline: at('2026-06-01T03:00:00Z') },
  ],
  [
    "retrying, no deadline on the claim: the entry's",
    claim({ status: 'retrying', nextAttemptAt: '2026-06-01T02:59:00Z' }),
    '2026-06-01T03:00:01Z',
    { kind: 'giveUp', reason: 'the retry deadline passed', deadline: at('2026-06-01T03:00:00Z') },
  ],

  [
    'unknown, before the look-up time',
    claim({ status: 'unknown', unknownSince: '2026-06-01T02:01:00Z' }),
    '2026-06-01T02:05:59Z',
    wait('2026-06-01T02:06:00Z'),
  ],
  [
    'unknown, look-up time come',
    claim({ status: 'unknown', unknownSince: '2026-06-01T02:01:00Z' }),
    '2026-06-01T02:06:00Z',
    { kind: 'reconcile', reason: 'unknown' },
  ],
  [
    'unknown, with its own next look-up time',
    claim({ status: 'unknown', unknownSince: '2026-06-01T02:01:00Z', nextLookupAt: '2026-06-01T02:30:00Z' }),
    '2026-06-01T02:10:00Z',
    wait('2026-06-01T02:30:00Z'),
  ],
  [
    'unknown, without unknownSince: from its last update',
    claim({ status: 'unknown', updatedAt: '2026-06-01T02:10:00Z' }),
    '2026-06-01T02:15:00Z',
    { kind: 'reconcile', reason: 'unknown' },
  ],
  [
    'unknown, never retried however old',
    claim({ status: 'unknown', unknownSince: '2026-06-01T02:01:00Z' }),
    '2026-07-01T00:00:00Z',
    { kind: 'reconcile', reason: 'unknown' },
  ],

  [
    'corrupt claim, written recently: its holder may be submitting',
    corrupt('2026-06-01T02:00:00Z'),
    '2026-06-01T02:02:29Z',
    wait('2026-06-01T02:02:30Z'),
  ],
  [
    'corrupt claim, as old as a crashed submission: reconciled, never taken over',
    corrupt('2026-06-01T02:00:00Z'),
    '2026-06-01T02:02:30Z',
    { kind: 'reconcile', reason: 'corrupt' },
  ],
  [
    'corrupt claim of unknown age: from the occurrence instant',
    corrupt(),
    '2026-06-01T02:02:29Z',
    wait('2026-06-01T02:02:30Z'),
  ],
  ['corrupt claim of unknown age, later', corrupt(), '2026-06-01T02:02:30Z', { kind: 'reconcile', reason: 'corrupt' }],
  [
    'corrupt claim written "after now" (storage clock ahead): from the occurrence instant',
    corrupt('2026-06-01T05:00:00Z'),
    '2026-06-01T02:02:30Z',
    { kind: 'reconcile', reason: 'corrupt' },
  ],
];

describe('decideClaim', () => {
  it.each(table)('%s', (_case, read, now, expected) => {
    expect(decideClaim({ claim: read, entry, now: at(now), policy })).toEqual(expected);
  });

  it('never decides to take over (submit again) a claim whose request may have been sent', () => {
    const mayHaveSent: ClaimRead[] = [
      claim({ submittingAt: '2026-06-01T02:00:01Z' }),
      claim({ status: 'unknown', unknownSince: '2026-06-01T02:01:00Z' }),
      corrupt('2026-06-01T02:00:00Z'),
      corrupt(),
    ];
    for (const read of mayHaveSent) {
      for (let minutes = 0; minutes <= 60 * 24 * 7; minutes += 7) {
        const now = new Date(Date.parse('2026-06-01T02:00:00Z') + minutes * 60_000);
        expect(decideClaim({ claim: read, entry, now, policy }).kind).not.toBe('takeOver');
      }
    }
  });

  it('waits only until an instant in the future, and every status has a decision', () => {
    const statuses: Claim['status'][] = ['claimed', 'submitted', 'failed', 'retrying', 'skipped', 'unknown'];
    for (const status of statuses) {
      for (let minutes = 0; minutes <= 180; minutes++) {
        const now = new Date(Date.parse('2026-06-01T02:00:00Z') + minutes * 60_000);
        const d = decideClaim({
          claim: claim({
            status,
            nextAttemptAt: '2026-06-01T02:30:00Z',
            deadline: '2026-06-01T03:00:00Z',
            unknownSince: '2026-06-01T02:00:00Z',
          }),
          entry,
          now,
          policy,
        });
        expect(['done', 'wait', 'takeOver', 'reconcile', 'giveUp']).toContain(d.kind);
        if (d.kind === 'wait') expect(d.until.getTime()).toBeGreaterThan(now.getTime());
      }
    }
  });
});
