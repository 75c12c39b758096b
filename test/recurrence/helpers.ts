import { expect } from 'vitest';
import { formatInstant, occurrencesAfter, parseRecurrence, type Recurrence } from '../../src/recurrence';

/** Parses or fails the test with the validation message. */
export function recurrence(json: unknown, createdAt?: Date): Recurrence {
  const result = parseRecurrence(json, createdAt ? { createdAt } : {});
  if (!result.ok) throw new Error(`unexpected validation error: ${result.error.message}`);
  return result.value;
}

/** The next `count` occurrences strictly after `after`, printed as the CLI prints them. */
export function next(json: unknown, after: string, count: number, createdAt?: Date): string[] {
  return occurrencesAfter(recurrence(json, createdAt), new Date(after), count).map(formatInstant);
}

export function expectNext(json: unknown, after: string, expected: string[]): void {
  expect(next(json, after, expected.length)).toEqual(expected);
}
