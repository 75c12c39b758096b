/**
 * The Preview page's logic (pure): a recurrence typed as SDK JSON → its description and next
 * occurrences, from the same engine as the timer and `aml-triggers next`.
 */
import { appError, type AppError } from '../errors';
import { describeRecurrence, formatInstant, occurrencesAfter, parseRecurrence } from '../recurrence';

export const DEFAULT_PREVIEW_COUNT = 10;
export const MAX_PREVIEW_COUNT = 100;

export const EXAMPLE_RECURRENCE =
  '{"frequency": "Week", "interval": 1, "week_days": ["Monday", "Thursday"], "time_of_day": "09:30", "time_zone": "W. Europe Standard Time"}';

export interface PreviewResult {
  readonly description: string;
  /** IANA zone the occurrences follow. */
  readonly timeZone: string;
  readonly occurrences: readonly string[];
}

/** Problems, each with the field it names (`recurrence…`, `count`). */
export type PreviewOutcome =
  { readonly ok: true; readonly value: PreviewResult } | { readonly ok: false; readonly errors: readonly AppError[] };

export function preview(text: string, countText: string | undefined, now: Date): PreviewOutcome {
  let count = DEFAULT_PREVIEW_COUNT;
  if (countText !== undefined && countText.trim() !== '') {
    count = /^\d+$/.test(countText.trim()) ? Number(countText.trim()) : NaN;
    if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_COUNT) {
      return {
        ok: false,
        errors: [
          appError(
            'request.field.out_of_range',
            { field: 'count', value: countText, max: MAX_PREVIEW_COUNT },
            { field: 'count', value: countText },
          ),
        ],
      };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      errors: [
        {
          code: 'recurrence.json.malformed',
          field: 'recurrence',
          message: `The recurrence is not valid JSON (${e instanceof Error ? e.message : String(e)}). Write it in the SDK's field names, e.g. ${EXAMPLE_RECURRENCE}.`,
        },
      ],
    };
  }
  const parsed = parseRecurrence(json, { createdAt: now, path: 'recurrence' });
  if (!parsed.ok)
    return {
      ok: false,
      errors: parsed.error.errors && parsed.error.errors.length > 0 ? parsed.error.errors : [parsed.error],
    };
  const r = parsed.value;
  return {
    ok: true,
    value: {
      description: describeRecurrence(r),
      timeZone: r.timeZone,
      occurrences: occurrencesAfter(r, now, count).map(formatInstant),
    },
  };
}
