/**
 * One translator from JSON Schema errors to words (src/schemaErrors.ts): the targets file and schedule
 * files say the same problem the same way, never in ajv's wording, naming the field and the value.
 */
import { describe, expect, it } from 'vitest';
import { parseTargets } from '../../src/config/targets';
import type { AppError } from '../../src/errors';
import { loadScheduleDefinitions } from '../../src/schedules/loadDefinitions';

function leaves(error: AppError): AppError[] {
  return error.errors && error.errors.length > 0 ? error.errors.flatMap(leaves) : [error];
}

function targetsErrors(body: string): AppError[] {
  const r = parseTargets(
    `targets:\n  t:\n    endpoint_url: https://example.invalid/pipelines/x\n    experiment_name: e\n${body}`,
    'pipelines.yaml',
    'yaml',
    {},
  );
  expect(r.ok).toBe(false);
  return r.ok ? [] : leaves(r.error);
}

function scheduleErrors(body: string): AppError[] {
  const r = loadScheduleDefinitions(
    [{ path: 's.yaml', text: `name: a\ntarget: t\nrecurrence: { frequency: Day, interval: 1 }\n${body}` }],
    { now: new Date(0) },
  );
  expect(r.ok).toBe(false);
  return r.ok ? [] : leaves(r.error);
}

describe('JSON Schema errors', () => {
  it('say a wrong type in the same words in a targets file and a schedule file, with field and value', () => {
    const [target] = targetsErrors('    continue_on_step_failure: "yes"\n');
    const [schedule] = scheduleErrors('continue_on_step_failure: "yes"\n');
    expect(target).toMatchObject({
      code: 'config.field.type',
      field: 'targets.t.continue_on_step_failure',
      value: 'yes',
    });
    expect(schedule).toMatchObject({ code: 'schedule.field.type', field: 'continue_on_step_failure', value: 'yes' });
    for (const e of [target!, schedule!]) {
      expect(e.message).toContain('must be true or false, not a string');
      expect(e.message).not.toMatch(/must be boolean/);
    }
  });

  it('name the nearest field for a misspelt one in both, and list the fields', () => {
    const [target] = targetsErrors('    paramters: {}\n');
    const [schedule] = scheduleErrors('pipeline_paramters: {}\n');
    expect(target).toMatchObject({ code: 'config.field.unknown', field: 'targets.t.paramters' });
    expect(target!.message).toMatch(/is not a known field \(did you mean parameters\?\); the fields are .*parameters/);
    expect(schedule).toMatchObject({ code: 'schedule.field.unknown', field: 'pipeline_paramters' });
    expect(schedule!.message).toMatch(
      /is not a schedule field \(did you mean `pipeline_parameters`\?\); the fields are .*pipeline_parameters.* \(docs\/schedules\.md\)/,
    );
  });

  it('say a number out of range as "at least", not ajv\'s "must be >="', () => {
    const [schedule] = scheduleErrors('missed_runs: all\nmissed_runs_limit: 0\n');
    expect(schedule).toMatchObject({ code: 'schedule.field.out_of_range', field: 'missed_runs_limit', value: 0 });
    expect(schedule!.message).toContain('must be at least 1.');
  });

  it('report one problem per field when a pattern and a format both fail (a URL that is neither https nor a URI)', () => {
    const r = parseTargets(
      'targets:\n  t:\n    endpoint_url: "ftp://x y"\n    experiment_name: e\n',
      'pipelines.yaml',
      'yaml',
      {},
    );
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : leaves(r.error);
    expect(errors.filter((e) => e.field === 'targets.t.endpoint_url').map((e) => e.code)).toEqual([
      'config.field.format',
    ]);
  });
});
