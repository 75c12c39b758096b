/**
 * The pages' pure parts: API data is escaped wherever it lands, any error answer reads as a problem,
 * unreadable schedules show their reason, and the Preview page's engine call.
 */
import { describe, expect, it } from 'vitest';
import type { ScheduleSummary } from '../../src/schedules/operations';
import { messagesFor, toProblemView } from '../../src/ui/api';
import { html } from '../../src/ui/html';
import { preview } from '../../src/ui/preview';
import { formatInZone } from '../../src/ui/time';
import { renderScheduleList, stateErrorOf } from '../../src/ui/views/scheduleList';
import { renderSubmitForm, renderTargets } from '../../src/ui/views/submit';
import type { TargetView } from '../../src/http/pipelinesHandlers';

const summary = (over: Partial<ScheduleSummary> = {}): ScheduleSummary => ({
  name: 'nightly',
  kind: 'time',
  status: 'Active',
  summary: 'Runs at 2:30 every Day (UTC)',
  pipeline: { target: 'train' },
  pendingRetries: 0,
  sync: 'synced',
  ...over,
});

describe('html', () => {
  it('escapes interpolated values and keeps nested html', () => {
    expect(html`<p title="${'"x"'}">${'<script>'}${html`<b>${'&'}</b>`}${[1, null, false, undefined]}</p>`.text).toBe(
      '<p title="&quot;x&quot;">&lt;script&gt;<b>&amp;</b>1</p>',
    );
  });

  it('a schedule description or error with markup is shown as text on the list', () => {
    const page = renderScheduleList({
      links: { prefix: '/api', key: 'k"ey' },
      filter: { status: 'all' },
      targets: ['train'],
      schedules: [
        summary({
          description: '<img src=x onerror=alert(1)>',
          lastRun: {
            status: 'failed',
            trigger: 'schedule',
            recordedAt: '2026-01-01T00:00:00Z',
            error: { code: 'x', message: '</td><script>alert(1)</script>' },
          },
        }),
      ],
    });
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('href="/api/ui/schedules/nightly?code=k%22ey"');
  });
});

describe('unreadable schedules', () => {
  it('show "Unreadable" with the reason the list API gives (stateError as text or as an error object)', () => {
    expect(stateErrorOf(summary())).toBeUndefined();
    expect(stateErrorOf({ ...summary(), stateError: 'state blob is not JSON' })).toBe('state blob is not JSON');
    expect(
      stateErrorOf({
        ...summary(),
        stateError: { code: 'schedule.state.corrupt', message: 'The state of nightly is not valid JSON.' },
      }),
    ).toBe('The state of nightly is not valid JSON. (schedule.state.corrupt)');
    const page = renderScheduleList({
      links: { prefix: '/api' },
      filter: { status: 'all' },
      targets: [],
      schedules: [
        {
          ...summary(),
          stateError: { code: 'schedule.state.corrupt', message: 'The state of nightly is not valid JSON.' },
        } as ScheduleSummary,
      ],
    });
    expect(page).toMatch(/Unreadable<\/span><br>The state of nightly is not valid JSON\. \(schedule\.state\.corrupt\)/);
  });
});

describe('toProblemView', () => {
  it('reads problem+json: title, detail, code, field and every listed error', () => {
    const p = toProblemView(502, {
      type: 't',
      title: 'Bad Gateway',
      status: 502,
      detail: 'The outcome is unknown; check studio.',
      code: 'aml.submission.outcome_unknown',
      errors: [{ code: 'a', detail: 'first', field: 'X' }, { nope: 1 }],
    });
    expect(p).toEqual({
      status: 502,
      title: 'Bad Gateway',
      detail: 'The outcome is unknown; check studio.',
      code: 'aml.submission.outcome_unknown',
      errors: [{ detail: 'first', field: 'X' }],
    });
    expect(messagesFor(p, 'X')).toEqual(['first']);
  });

  it('an answer that is not a problem still says what happened', () => {
    expect(toProblemView(401, undefined)).toMatchObject({
      status: 401,
      title: 'HTTP 401',
      detail: 'The request failed with HTTP 401 and no explanation.',
    });
    expect(toProblemView(500, 'upstream text')).toMatchObject({ detail: 'upstream text' });
  });

  it('a top-level field without errors gets the detail', () => {
    expect(messagesFor(toProblemView(400, { detail: 'bad', field: 'ExperimentName' }), 'ExperimentName')).toEqual([
      'bad',
    ]);
    expect(messagesFor(toProblemView(400, { detail: 'bad', field: 'ExperimentName' }), 'Description')).toEqual([]);
  });
});

describe('preview', () => {
  const now = new Date('2026-03-28T12:00:00Z');
  it('describes the recurrence and lists the next occurrences across a DST change', () => {
    const r = preview(
      '{"frequency":"Day","interval":1,"time_of_day":"09:30","time_zone":"W. Europe Standard Time","start_time":"2026-03-01T00:00:00"}',
      '3',
      now,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        description: expect.stringContaining('Runs at 9:30 every Day (W. Europe Standard Time, Europe/Berlin)'),
        timeZone: 'Europe/Berlin',
        occurrences: ['2026-03-29T07:30:00Z', '2026-03-30T07:30:00Z', '2026-03-31T07:30:00Z'],
      },
    });
    expect(formatInZone('2026-03-29T07:30:00Z', 'Europe/Berlin')).toBe('Sun 2026-03-29 09:30 CEST (UTC+02:00)');
  });

  it('problems name their field: count, malformed JSON, invalid recurrence fields', () => {
    const fields = (text: string, count?: string): (string | undefined)[] => {
      const r = preview(text, count, now);
      return r.ok ? [] : r.errors.map((e) => e.field);
    };
    expect(fields('{"frequency":"Day","interval":1}', '0')).toEqual(['count']);
    expect(fields('{"frequency":"Day","interval":1}', '101')).toEqual(['count']);
    expect(fields('{frequency', '')).toEqual(['recurrence']);
    expect(fields('{"frequency":"Fortnight","interval":0}')).toEqual(
      expect.arrayContaining(['recurrence.frequency', 'recurrence.interval']),
    );
  });
});

describe('target status on the Submit page', () => {
  const target = (extra: Partial<TargetView>): TargetView => ({
    name: 'train',
    experimentName: 'train',
    parameters: {},
    dataPaths: {},
    runsUrl: '/api/pipelines/train/runs',
    ...extra,
  });

  it('shows a disabled target as Disabled with who, when, why and its schedules; an active one as Active', () => {
    const page = renderTargets({
      links: { prefix: '/api' },
      targets: [
        target({
          status: 'Disabled',
          statusChange: {
            status: 'Disabled',
            changedAt: '2026-06-01T10:00:00Z',
            changedBy: 'alice (CLI)',
            reason: 'replaced by v2',
          },
          schedules: [{ name: 'nightly', status: 'Disabled' }],
        }),
        target({ name: 'score', status: 'Active', schedules: [] }),
      ],
    });
    expect(page).toContain(
      '<span class="status status-disabled">Disabled</span> <span class="muted">by alice (CLI) at 2026-06-01T10:00:00Z: replaced by v2; submissions are refused and its schedules do not fire</span><br><span class="muted">Schedules: nightly (Disabled)</span>',
    );
    expect(page).toContain(
      '>score</a> <span class="muted">(experiment train)</span> <span class="status status-active">Active</span></li>',
    );
  });

  it('the form of a disabled target says so and how to enable it', () => {
    const page = renderSubmitForm({
      links: { prefix: '/api' },
      targetName: 'train',
      target: target({
        status: 'Disabled',
        statusChange: { status: 'Disabled', changedAt: '2026-06-01T10:00:00Z', changedBy: 'bob' },
      }),
      values: { experimentName: 'train', description: '', params: [], dataPaths: [] },
    });
    expect(page).toContain('This target is <span class="status status-disabled">Disabled</span>');
    expect(page).toContain('<code>aml-triggers targets enable train</code>');
  });
});
