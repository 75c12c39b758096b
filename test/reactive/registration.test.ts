import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageBlobFunctionOptions } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerReactiveTriggers, type TriggerRegistrar } from '../../src/functions/blobTriggers';
import { isContainerName, planTriggers } from '../../src/reactive/registration';
import { ensureBuilt, loadApp, triggerOf, type LoadedApp } from '../support/registration';

describe('planTriggers (pure)', () => {
  it('no reactive schedule and no setting: nothing to register, no warning', () => {
    expect(planTriggers([], {})).toEqual({
      source: 'EventGrid',
      connection: 'REACTIVE_STORAGE',
      blobFunctions: [],
      containers: [],
      warnings: [],
    });
  });

  it('one function per container from definitions and REACTIVE_CONTAINERS, deduplicated and sorted', () => {
    const schedules = [
      { name: 'a', container: 'zeta' },
      { name: 'b', container: 'alpha' },
      { name: 'c', container: 'alpha' },
      { name: 'd' },
    ];
    const plan = planTriggers(schedules, { REACTIVE_CONTAINERS: 'mid-box, alpha;  ' });
    expect(plan.blobFunctions).toEqual([
      { name: 'reactiveBlob-alpha', container: 'alpha', path: 'alpha/{name}' },
      { name: 'reactiveBlob-mid-box', container: 'mid-box', path: 'mid-box/{name}' },
      { name: 'reactiveBlob-zeta', container: 'zeta', path: 'zeta/{name}' },
    ]);
    // Deterministic: any order of the same input gives the same plan.
    expect(planTriggers([...schedules].reverse(), { REACTIVE_CONTAINERS: 'alpha,mid-box' })).toEqual(plan);
  });

  it('reads REACTIVE_TRIGGER_SOURCE case-insensitively and warns (without failing) on a bad value', () => {
    expect(
      planTriggers([{ name: 'a', container: 'data' }], { REACTIVE_TRIGGER_SOURCE: 'logsandcontainerscan' }).source,
    ).toBe('LogsAndContainerScan');
    const grid = planTriggers([{ name: 'a', container: 'data' }], { REACTIVE_TRIGGER_SOURCE: 'EventGridTrigger' });
    expect(grid).toMatchObject({
      source: 'EventGridTrigger',
      blobFunctions: [],
      eventGridFunction: 'reactiveBlobEvents',
      containers: ['data'],
    });
    const bad = planTriggers([], { REACTIVE_TRIGGER_SOURCE: 'Polling' });
    expect(bad.source).toBe('EventGrid');
    expect(bad.warnings[0]).toMatch(
      /REACTIVE_TRIGGER_SOURCE="Polling" is not one of EventGrid, LogsAndContainerScan, EventGridTrigger/,
    );
  });

  it('skips invalid container names with a warning naming them', () => {
    const plan = planTriggers([{ name: 'a', container: 'Bad_Name' }], { REACTIVE_CONTAINERS: 'ok-name,x' });
    expect(plan.containers).toEqual(['ok-name']);
    expect(plan.warnings).toHaveLength(2);
    expect(plan.warnings.join('\n')).toContain('"Bad_Name"');
  });

  it.each([
    ['abc', true],
    ['a-b-c', true],
    ['a--b', false],
    ['-ab', false],
    ['ab', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['ABC', false],
  ])('isContainerName(%j) = %s', (name, valid) => expect(isContainerName(name)).toBe(valid));
});

describe('registerReactiveTriggers', () => {
  it('registers each planned blob trigger with EventGrid source, the REACTIVE_STORAGE connection and SDK binding', () => {
    const calls: Array<{ name: string; options: StorageBlobFunctionOptions }> = [];
    const registrar: TriggerRegistrar = {
      storageBlob: (name, options) => void calls.push({ name, options: options as StorageBlobFunctionOptions }),
      eventGrid: () => undefined,
    };
    registerReactiveTriggers(
      planTriggers([{ name: 's', container: 'incoming' }], {}),
      () => Promise.reject(new Error('unused')),
      registrar,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: 'reactiveBlob-incoming',
      options: { path: 'incoming/{name}', connection: 'REACTIVE_STORAGE', source: 'EventGrid', sdkBinding: true },
    });
  });
});

/** Load errors of this feature's function file (other files are other features' business). */
function ownErrors(app: LoadedApp): LoadedApp['errors'] {
  return app.errors.filter((e) => /blobTriggers/.test(e.file) || /blobTriggers/.test(e.message));
}

describe('the built app registers the reactive triggers with the host (registration contract)', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'reactive-schedules-'));
    writeFileSync(
      join(dir, 'reactive.yaml'),
      [
        'schedules:',
        '  - name: sales-arrivals',
        '    target: ingest',
        '    datastore: landing',
        '    container: incoming',
        '    path_on_datastore: sales/daily',
        '    data_path_parameter_name: input_data',
        '  - name: audit',
        '    target: ingest',
        '    datastore: archive',
        '    container: archive',
      ].join('\n'),
    );
  }, 120_000);

  it('one blobTrigger per container, EventGrid source, deferred binding, deterministic order', async () => {
    const app = await loadApp({ env: { SCHEDULES_PATH: dir, REACTIVE_CONTAINERS: 'extra-box' } });
    expect(ownErrors(app)).toEqual([]);
    const reactive = app.functions.filter((f) => f.name.startsWith('reactiveBlob-'));
    expect(reactive.map((f) => f.name)).toEqual([
      'reactiveBlob-archive',
      'reactiveBlob-extra-box',
      'reactiveBlob-incoming',
    ]);
    expect(triggerOf(reactive[2]!)).toMatchObject({
      type: 'blobTrigger',
      direction: 'in',
      path: 'incoming/{name}',
      connection: 'REACTIVE_STORAGE',
      source: 'EventGrid',
      properties: { supportsDeferredBinding: 'true' },
    });
    const again = await loadApp({ env: { SCHEDULES_PATH: dir, REACTIVE_CONTAINERS: 'extra-box' } });
    expect(again.functions.filter((f) => f.name.startsWith('reactiveBlob-'))).toEqual(reactive);
  });

  it('local mode: LogsAndContainerScan', async () => {
    const app = await loadApp({ env: { SCHEDULES_PATH: dir, REACTIVE_TRIGGER_SOURCE: 'LogsAndContainerScan' } });
    const fn = app.functions.find((f) => f.name === 'reactiveBlob-incoming');
    expect(fn && triggerOf(fn)).toMatchObject({ source: 'LogsAndContainerScan' });
  });

  it('Event Grid trigger mode: one eventGridTrigger function', async () => {
    const app = await loadApp({ env: { SCHEDULES_PATH: dir, REACTIVE_TRIGGER_SOURCE: 'EventGridTrigger' } });
    expect(app.functions.filter((f) => f.name.startsWith('reactiveBlob-'))).toEqual([]);
    const fn = app.functions.find((f) => f.name === 'reactiveBlobEvents');
    expect(fn && triggerOf(fn)).toMatchObject({ type: 'eventGridTrigger' });
  });

  it('no reactive schedule, or a broken schedules file: the app still loads, with no reactive trigger', async () => {
    const none = await loadApp({ env: { SCHEDULES_PATH: join(dir, 'absent-but-set') } });
    expect(ownErrors(none)).toEqual([]);
    expect(none.functions.some((f) => f.name.startsWith('reactive'))).toBe(false);
    const brokenDir = mkdtempSync(join(tmpdir(), 'reactive-broken-'));
    writeFileSync(join(brokenDir, 'bad.yaml'), 'schedules: [ { name: x, datastore: 1 ');
    const broken = await loadApp({ env: { SCHEDULES_PATH: brokenDir } });
    expect(ownErrors(broken)).toEqual([]);
    expect(broken.functions.some((f) => f.name.startsWith('reactive'))).toBe(false);
  });
});
