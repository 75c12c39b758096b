import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSubmissionKey, submissionKey } from '../../src/aml/submissionKey';
import { occurrenceSubmissionKey } from '../../src/schedules/submitOccurrence';

describe('submission keys', () => {
  it('are short, filter-safe and the same for the same parts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('occ', 'blob', 'http'),
        fc.array(fc.string(), { minLength: 1, maxLength: 5 }),
        (kind, parts) => {
          const key = submissionKey(kind, ...parts);
          return (
            isSubmissionKey(key) &&
            key.length <= 64 &&
            key.startsWith(`${kind}-`) &&
            key === submissionKey(kind, ...parts)
          );
        },
      ),
    );
  });

  it('keep parts apart and kinds apart', () => {
    expect(submissionKey('blob', 'a', 'bc')).not.toBe(submissionKey('blob', 'ab', 'c'));
    expect(submissionKey('occ', 'x')).not.toBe(submissionKey('http', 'x'));
    expect(submissionKey('occ', 'nightly', '2026-06-01T00:00:00Z')).toMatch(/^occ-[0-9a-f]{40}$/);
  });

  it('refuse a kind that is not a short lower-case word, and no parts', () => {
    expect(() => submissionKey('Occ', 'x')).toThrow(/kind/);
    expect(() => submissionKey('a-b', 'x')).toThrow(/kind/);
    expect(() => submissionKey('occ')).toThrow(/part/);
  });

  it('accept caller keys of [A-Za-z0-9_-], at most 64', () => {
    expect(isSubmissionKey('abc_DEF-123')).toBe(true);
    expect(isSubmissionKey('a'.repeat(64))).toBe(true);
    expect(isSubmissionKey('a'.repeat(65))).toBe(false);
    expect(isSubmissionKey('')).toBe(false);
    expect(isSubmissionKey('a b')).toBe(false);
    expect(isSubmissionKey('a"b')).toBe(false);
  });

  it('an occurrence keeps one key across triggers and attempts: schedule and instant only', () => {
    const at = new Date('2026-06-01T00:15:00Z');
    expect(occurrenceSubmissionKey('nightly', at)).toBe(submissionKey('occ', 'nightly', '2026-06-01T00:15:00Z'));
    expect(occurrenceSubmissionKey('nightly', at)).not.toBe(occurrenceSubmissionKey('other', at));
  });
});
