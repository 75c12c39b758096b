import { describe, expect, it } from 'vitest';
import { toSubmission, type SubmissionRequest } from '../../src/aml/submission';
import type { PipelineTarget } from '../../src/aml/types';
import { reactiveSubmissionBody } from '../../src/reactive/handler';
import { occurrenceSubmission } from '../../src/schedules/submitOccurrence';
import { buildSubmission } from '../../src/http/submitRequest';

const target: PipelineTarget = {
  name: 'nightly',
  experimentName: 'nightly-exp',
  parameterAssignments: { epochs: 10, rate: 0.5 },
  dataPathAssignments: { input: { DataStoreName: 'blobs', RelativePath: 'landing/' } },
  tags: { team: 'ml' },
  continueOnStepFailure: false,
};
const bare: PipelineTarget = {
  name: 'bare',
  experimentName: 'bare-exp',
  parameterAssignments: {},
  dataPathAssignments: {},
};

describe('toSubmission: one rule for every path', () => {
  const cases: Array<[string, PipelineTarget, SubmissionRequest, Record<string, unknown>]> = [
    [
      'target defaults only',
      target,
      { runSource: 'SDK' },
      {
        ExperimentName: 'nightly-exp',
        ParameterAssignments: { epochs: 10, rate: 0.5 },
        DataPathAssignments: { input: { DataStoreName: 'blobs', RelativePath: 'landing/' } },
        RunSource: 'SDK',
        Tags: { team: 'ml' },
        ContinueRunOnStepFailure: false,
      },
    ],
    [
      'empty target: maps still sent, no tags, no flag',
      bare,
      { runSource: 'SDK' },
      { ExperimentName: 'bare-exp', ParameterAssignments: {}, DataPathAssignments: {}, RunSource: 'SDK' },
    ],
    [
      'request wins key by key',
      target,
      {
        runSource: 'LogicApp',
        experimentName: 'other',
        parameters: { epochs: 2 },
        dataPaths: { input: { DataStoreName: 'x', RelativePath: 'y' } },
        tags: { team: 'data' },
        continueOnStepFailure: true,
        description: 'd',
      },
      {
        ExperimentName: 'other',
        ParameterAssignments: { epochs: 2, rate: 0.5 },
        DataPathAssignments: { input: { DataStoreName: 'x', RelativePath: 'y' } },
        RunSource: 'LogicApp',
        Description: 'd',
        Tags: { team: 'data' },
        ContinueRunOnStepFailure: true,
      },
    ],
    [
      'the blob becomes its DataPath, over a target default of the same name',
      target,
      { runSource: 'SDK', blob: { parameter: 'input', datastore: 'landing', path: 'in/a.csv' } },
      {
        ExperimentName: 'nightly-exp',
        ParameterAssignments: { epochs: 10, rate: 0.5 },
        DataPathAssignments: { input: { DataStoreName: 'landing', RelativePath: 'in/a.csv' } },
        RunSource: 'SDK',
        Tags: { team: 'ml' },
        ContinueRunOnStepFailure: false,
      },
    ],
    [
      'empty data set map is left out',
      bare,
      { runSource: 'SDK', dataSets: {} },
      { ExperimentName: 'bare-exp', ParameterAssignments: {}, DataPathAssignments: {}, RunSource: 'SDK' },
    ],
  ];
  it.each(cases)('%s', (_name, t, request, expected) => {
    const before = JSON.stringify(t);
    expect(toSubmission(t, request)).toEqual(expected);
    expect(JSON.stringify(t)).toBe(before);
  });
});

describe('the timer, reactive and HTTP paths build through it', () => {
  it('all send the app RunSource, the target maps and the target tags the same way', () => {
    const def = { name: 's1', kind: 'time', target: 'nightly' } as unknown as Parameters<
      typeof occurrenceSubmission
    >[0];
    const reactiveDef = { name: 'r1', datastore: 'landing', dataPathParameterName: 'blob_in' } as unknown as Parameters<
      typeof reactiveSubmissionBody
    >[1];
    const timer = occurrenceSubmission(def, target, {
      occurrence: new Date('2026-01-05T09:30:00Z'),
      trigger: 'schedule',
      runSource: 'Custom',
    });
    const reactive = reactiveSubmissionBody(target, reactiveDef, 'in/a.csv', 'Custom');
    const http = buildSubmission(target, {}, { runSource: 'Custom' });
    for (const body of [timer, reactive, http]) {
      expect(body).toMatchObject({
        ExperimentName: 'nightly-exp',
        ParameterAssignments: { epochs: 10, rate: 0.5 },
        RunSource: 'Custom',
        ContinueRunOnStepFailure: false,
        Tags: expect.objectContaining({ team: 'ml' }),
      });
    }
    expect(reactive.DataPathAssignments).toEqual({
      input: { DataStoreName: 'blobs', RelativePath: 'landing/' },
      blob_in: { DataStoreName: 'landing', RelativePath: 'in/a.csv' },
    });
    expect(timer.Tags).toEqual({
      team: 'ml',
      'aml-triggers.schedule': 's1',
      'aml-triggers.occurrence': '2026-01-05T09:30:00Z',
      'aml-triggers.trigger': 'schedule',
    });
  });
});
