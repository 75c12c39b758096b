import { describe, expect, it } from 'vitest';
import { buildSubmission, checkContentType, parseRunRequest } from '../../src/http/submitRequest';
import { checkContentLength } from '../../src/http/body';
import type { PipelineTarget } from '../../src/aml/types';

const target: PipelineTarget = {
  name: 'nightly',
  experimentName: 'nightly-retrain',
  parameterAssignments: { epochs: 10, rate: 0.5 },
  dataPathAssignments: { input: { DataStoreName: 'blobs', RelativePath: 'landing/' } },
  tags: { team: 'ml' },
  continueOnStepFailure: false,
};

describe('parseRunRequest', () => {
  it('accepts every field of the published endpoint body', () => {
    const body = {
      ExperimentName: 'exp-2',
      ParameterAssignments: { epochs: 3, name: 'x', flag: true },
      DataPathAssignments: { input: { DataStoreName: 'store', RelativePath: 'a/b.csv' } },
      RunSource: 'LogicApp',
      Description: 'manual',
      Tags: { k: 'v' },
      DataSetDefinitionValueAssignments: { ds: { SavedDataSetReference: { Id: 'abc' } } },
      ContinueRunOnStepFailure: true,
    };
    const r = parseRunRequest(JSON.stringify(body));
    expect(r).toEqual({ ok: true, value: body });
  });

  it('treats an empty body as "use the defaults"', () => {
    expect(parseRunRequest('')).toEqual({ ok: true, value: {} });
    expect(parseRunRequest('  \n')).toEqual({ ok: true, value: {} });
  });

  it('refuses malformed JSON with where it broke', () => {
    const r = parseRunRequest('{\n  "ExperimentName": "x",\n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'request.json.malformed', status: 400, field: 'body' });
    expect(r.error.message).toMatch(/not valid JSON at line 3, column 1/);
  });

  it('refuses a body that is not an object', () => {
    for (const text of ['[]', '"x"', '42', 'null']) {
      const r = parseRunRequest(text);
      expect(!r.ok && r.error.code).toBe('request.body.not_object');
    }
  });

  it('names each wrong field by its path, all at once', () => {
    const r = parseRunRequest(
      JSON.stringify({
        ExperimentName: 5,
        ParameterAssignments: { epochs: [1], ok: 1, nested: { a: 1 }, nothing: null },
        DataPathAssignments: { input: { DataStoreName: '', RelativePath: 3, Extra: 1 }, other: 'x' },
        Tags: { a: 1 },
        ContinueRunOnStepFailure: 'yes',
        DataSetDefinitionValueAssignments: { ds: { SavedDataSetReference: {} } },
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('request.invalid');
    expect(r.error.errors?.map((e) => [e.code, e.field])).toEqual([
      ['request.field.type', 'ExperimentName'],
      ['request.field.type', 'ParameterAssignments.epochs'],
      ['request.field.type', 'ParameterAssignments.nested'],
      ['request.field.type', 'ParameterAssignments.nothing'],
      ['request.field.unknown', 'DataPathAssignments.input.Extra'],
      ['request.field.invalid', 'DataPathAssignments.input.DataStoreName'],
      ['request.field.type', 'DataPathAssignments.input.RelativePath'],
      ['request.field.type', 'DataPathAssignments.other'],
      ['request.field.type', 'Tags.a'],
      ['request.field.type', 'ContinueRunOnStepFailure'],
      ['request.field.required', 'DataSetDefinitionValueAssignments.ds.SavedDataSetReference.Id'],
    ]);
    expect(r.error.field).toBe('ExperimentName');
    expect(r.error.message).toMatch(/11 problems/);
    expect(r.error.message).toMatch(/ParameterAssignments\.epochs must be a string, number or boolean, not an array/);
  });

  it('refuses unknown fields, suggesting the right spelling', () => {
    const r = parseRunRequest('{"parameterAssignments": {"a": 1}, "Foo": 1}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.errors?.map((e) => e.field)).toEqual(['parameterAssignments', 'Foo']);
    expect(r.error.errors?.[0]?.message).toMatch(/did you mean ParameterAssignments\?/);
  });

  it('refuses experiment names Azure ML would refuse', () => {
    const r = parseRunRequest('{"ExperimentName": "has space"}');
    expect(!r.ok && r.error).toMatchObject({
      code: 'request.field.invalid',
      field: 'ExperimentName',
      value: 'has space',
    });
  });

  it('quotes odd parameter names in field paths', () => {
    const r = parseRunRequest('{"ParameterAssignments": {"odd name": {}}}');
    expect(!r.ok && r.error.field).toBe('ParameterAssignments["odd name"]');
  });
});

describe('content checks', () => {
  it('accepts JSON media types and no media type, refuses others', () => {
    expect(checkContentType(null)).toBeUndefined();
    expect(checkContentType('application/json')).toBeUndefined();
    expect(checkContentType('application/json; charset=utf-8')).toBeUndefined();
    expect(checkContentType('application/merge-patch+json')).toBeUndefined();
    expect(checkContentType('text/plain')).toMatchObject({
      code: 'request.content_type.unsupported',
      status: 415,
      field: 'Content-Type',
    });
    expect(checkContentType('application/json; charset=latin1')).toMatchObject({ status: 415 });
    expect(checkContentType('application/x-www-form-urlencoded')).toMatchObject({ status: 415 });
  });

  it('refuses a declared length over 1 MiB before reading', () => {
    expect(checkContentLength('1048576')).toBeUndefined();
    expect(checkContentLength('1048577')).toMatchObject({ code: 'request.body.too_large', status: 413 });
    expect(checkContentLength('abc')).toMatchObject({
      code: 'request.header.invalid',
      status: 400,
      field: 'Content-Length',
    });
  });
});

describe('buildSubmission', () => {
  it('sends the target defaults when the request sets nothing', () => {
    expect(buildSubmission(target, {}, { runSource: 'SDK' })).toEqual({
      ExperimentName: 'nightly-retrain',
      ParameterAssignments: { epochs: 10, rate: 0.5 },
      DataPathAssignments: { input: { DataStoreName: 'blobs', RelativePath: 'landing/' } },
      RunSource: 'SDK',
      Tags: { team: 'ml' },
      ContinueRunOnStepFailure: false,
    });
  });

  it('merges request values over the defaults key by key, the request winning', () => {
    const body = buildSubmission(
      target,
      {
        ExperimentName: 'other',
        ParameterAssignments: { epochs: 2, extra: 'y' },
        DataPathAssignments: { second: { DataStoreName: 's', RelativePath: 'p' } },
        Tags: { team: 'data', run: '1' },
        RunSource: 'LogicApp',
        Description: 'd',
        ContinueRunOnStepFailure: true,
      },
      { runSource: 'SDK' },
    );
    expect(body).toEqual({
      ExperimentName: 'other',
      ParameterAssignments: { epochs: 2, rate: 0.5, extra: 'y' },
      DataPathAssignments: {
        input: { DataStoreName: 'blobs', RelativePath: 'landing/' },
        second: { DataStoreName: 's', RelativePath: 'p' },
      },
      RunSource: 'LogicApp',
      Description: 'd',
      Tags: { team: 'data', run: '1' },
      ContinueRunOnStepFailure: true,
    });
  });

  it('does not modify the target', () => {
    const before = JSON.stringify(target);
    buildSubmission(target, { ParameterAssignments: { epochs: 1 } }, { runSource: 'SDK' });
    expect(JSON.stringify(target)).toBe(before);
  });
});
