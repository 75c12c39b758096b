/** The one rule for "may this target fire" (src/targets/mayFire.ts), used by HTTP, the timer and reactive schedules. */
import { describe, expect, it } from 'vitest';
import { mayFire, statusOf, type TargetStatusMap } from '../../src/targets/mayFire';

const statuses: TargetStatusMap = {
  retired: {
    status: 'Disabled',
    changedAt: '2026-06-01T10:00:00Z',
    changedBy: 'alice (CLI)',
    reason: 'replaced by v2',
  },
  back: { status: 'Active', changedAt: '2026-06-02T10:00:00Z', changedBy: 'bob (CLI)' },
  quiet: { status: 'Disabled', changedAt: '2026-06-03T10:00:00Z', changedBy: 'HTTP (master key)' },
};

describe('mayFire', () => {
  it('fires for schedules with inline pipeline ids, targets never changed and targets enabled again', () => {
    expect(mayFire(undefined, statuses)).toEqual({ fire: true });
    expect(mayFire('never-touched', statuses)).toEqual({ fire: true });
    expect(mayFire('back', statuses)).toEqual({ fire: true });
    expect(mayFire('retired', {})).toEqual({ fire: true });
  });

  it('refuses a disabled target with 409 target.disabled naming it, who, when, why and how to enable it', () => {
    const d = mayFire('retired', statuses);
    expect(d.fire).toBe(false);
    if (d.fire) return;
    expect(d.error).toMatchObject({ code: 'target.disabled', status: 409, field: 'target', value: 'retired' });
    expect(d.error.message).toBe(
      'Target "retired" is disabled (by alice (CLI) at 2026-06-01T10:00:00Z: replaced by v2), so nothing is submitted to it; enable it with `aml-triggers targets enable retired` or POST /api/pipelines/retired/enable (master key).',
    );
    const q = mayFire('quiet', statuses);
    expect(!q.fire && q.error.message).toContain('(by HTTP (master key) at 2026-06-03T10:00:00Z)');
  });

  it('a target named like an object property is just a name', () => {
    expect(statusOf('constructor', {})).toBe('Active');
    expect(statusOf('toString', statuses)).toBe('Active');
  });
});
