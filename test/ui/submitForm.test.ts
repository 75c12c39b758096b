/**
 * The Submit form's request (pure): only what the user changed or added is sent, typed as chosen, so
 * the target's own values, including those from app settings, are never copied from the page.
 */
import { describe, expect, it } from 'vitest';
import type { TargetView } from '../../src/http/pipelinesHandlers';
import { buildRunRequest, defaultValues, valuesFromForm, type SubmitFormValues } from '../../src/ui/submitForm';

const target: TargetView = {
  name: 'train',
  experimentName: 'training',
  parameters: { epochs: 10, rate: 0.5, full: false, mode: 'full', secret: '%STORAGE_CONNECTION%' },
  dataPaths: { input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/' } },
  runsUrl: '/api/pipelines/train/runs',
};

function form(values: SubmitFormValues): URLSearchParams {
  const f = new URLSearchParams({ experiment: values.experimentName, description: values.description });
  for (const p of values.params) {
    f.append('pn', p.name);
    f.append('pv', p.value);
    f.append('pt', p.type);
  }
  for (const d of values.dataPaths) {
    f.append('dn', d.name);
    f.append('ds', d.datastore);
    f.append('dp', d.path);
  }
  return f;
}

const edit = (
  change: (v: { -readonly [K in keyof SubmitFormValues]: SubmitFormValues[K] }) => void,
): SubmitFormValues => {
  const v = structuredClone(defaultValues(target)) as { -readonly [K in keyof SubmitFormValues]: SubmitFormValues[K] };
  change(v);
  return valuesFromForm(form(v), target);
};

describe('buildRunRequest', () => {
  it('sends nothing for the untouched form: the target runs with its own defaults (settings included)', () => {
    expect(buildRunRequest(valuesFromForm(form(defaultValues(target)), target), target)).toEqual({
      body: {},
      errors: [],
    });
  });

  it('sends only the changed values, typed like the defaults', () => {
    const values = edit((v) => {
      v.params = v.params.map((p) =>
        p.name === 'epochs' ? { ...p, value: '25' } : p.name === 'full' ? { ...p, value: 'TRUE' } : p,
      );
      v.description = 'by hand';
    });
    expect(buildRunRequest(values, target)).toEqual({
      body: { Description: 'by hand', ParameterAssignments: { epochs: 25, full: true } },
      errors: [],
    });
  });

  it('sends added parameters and data paths, and a changed data path with both parts', () => {
    const values = edit((v) => {
      v.params = [...v.params.filter((p) => p.fixed), { name: 'extra', value: '007', type: 'text', fixed: false }];
      v.dataPaths = [
        { name: 'input_data', datastore: 'workspaceblobstore', path: 'landing/2026/', fixed: true },
        { name: 'more', datastore: 'archive', path: 'x/', fixed: false },
      ];
    });
    expect(buildRunRequest(values, target).body).toEqual({
      ParameterAssignments: { extra: '007' },
      DataPathAssignments: {
        input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/2026/' },
        more: { DataStoreName: 'archive', RelativePath: 'x/' },
      },
    });
  });

  it('a type change is a change (the number 10 sent as the text "10")', () => {
    const values = edit(
      (v) => (v.params = v.params.map((p) => (p.name === 'epochs' ? { ...p, type: 'text' as const } : p))),
    );
    expect(buildRunRequest(values, target).body).toEqual({ ParameterAssignments: { epochs: '10' } });
  });

  it('an empty value stays empty (the API decides); a cleared datastore is sent for the API to refuse', () => {
    const values = edit((v) => (v.dataPaths = v.dataPaths.map((d) => (d.fixed ? { ...d, datastore: '' } : d))));
    expect(buildRunRequest(values, target).body).toEqual({
      DataPathAssignments: { input_data: { DataStoreName: '', RelativePath: 'landing/' } },
    });
  });

  it('a value that cannot have its chosen type is a message by its field, and nothing is sent', () => {
    const values = edit(
      (v) =>
        (v.params = v.params.map((p) =>
          p.name === 'rate' ? { ...p, value: 'fast' } : p.name === 'full' ? { ...p, value: 'yes' } : p,
        )),
    );
    const built = buildRunRequest(values, target);
    expect(built.errors.map((e) => e.field)).toEqual(['ParameterAssignments.rate', 'ParameterAssignments.full']);
    expect(built.errors[0]!.detail).toContain('"fast" is not one');
  });

  it("rows without a name are ignored; odd parameter names get the API's field spelling", () => {
    const values = edit(
      (v) =>
        (v.params = [
          ...v.params.filter((p) => p.fixed),
          { name: 'odd name', value: 'x', type: 'number', fixed: false },
          { name: '', value: 'lost', type: 'text', fixed: false },
        ]),
    );
    expect(buildRunRequest(values, target).errors.map((e) => e.field)).toEqual(['ParameterAssignments["odd name"]']);
  });
});

describe('valuesFromForm', () => {
  it('keeps one empty row of each kind to add another', () => {
    const values = edit(
      (v) =>
        (v.params = [...v.params.filter((p) => p.fixed), { name: 'extra', value: '1', type: 'number', fixed: false }]),
    );
    expect(values.params.at(-1)).toEqual({ name: '', value: '', type: 'text', fixed: false });
    expect(values.params.filter((p) => p.fixed).map((p) => p.name)).toEqual([
      'epochs',
      'rate',
      'full',
      'mode',
      'secret',
    ]);
  });
});
