/**
 * The app run from a folder, over real parts, for tests of the commands and routes that run the app's
 * own code paths (tick, blob, submit, run now): Azurite, the Azure ML test bed (fake managed identity,
 * ARM, Azure ML) with two published pipelines, and an app folder holding a targets file and schedule
 * files:
 *
 *   train     published pipeline TRAIN_ID, parameters { epochs: 10, mode: full, dry_run: false }
 *   score     published pipeline SCORE_ID (DataPath parameter input_data)
 *   minutely  time schedule on train: every minute, on the minute
 *   arrivals  reactive schedule on score: blobs directly in <data container>/in
 *
 * The process's current directory is the app folder while the bed is up (the commands find the app from
 * it; it holds no local.settings.json), so start ONE per test file (vitest runs each in its own process).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { isoInstant } from '../../src/schedules/instants';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import { createAppFolder, type AppFolder } from './appFolder';
import { appBedSchedulesYaml } from './appBedFiles';
import { startAmlTestBed, type AmlTestBed } from './amlTestBed';
import { azuriteConnectionString, uniqueContainerName } from './azurite';
import type { AmlSubmission } from './fakeAml';

export const TRAIN_ID = 'aaaaaaaa-0000-4000-8000-00000000c001';
export const SCORE_ID = 'aaaaaaaa-0000-4000-8000-00000000c002';

export interface AppBed {
  readonly aml: AmlTestBed;
  readonly app: AppFolder;
  /** The watched data container of `arrivals`. */
  readonly dataContainer: string;
  /** Fresh settings: a new state container each call (so each test starts with no state). */
  settings(): Record<string, string>;
  /** The store of `settings`. */
  store(settings: Record<string, string>): ScheduleStateStore;
  /**
   * What the deployed app would have done a moment before this minute began: sync the schedule files
   * into the store of `settings`, so `minutely` has this minute's occurrence due (never within 10 s of
   * a minute's end, so exactly one is due at the next tick). Returns that occurrence.
   */
  oneOccurrenceDue(settings: Record<string, string>): Promise<string>;
  /** Runs the fake Azure ML accepted for a schedule (by its tag). */
  runsOf(schedule: string): AmlSubmission[];
  close(): Promise<void>;
}

export async function startAppBed(): Promise<AppBed> {
  const aml = await startAmlTestBed();
  aml.aml.addPipeline({
    id: TRAIN_ID,
    kind: 'published',
    workspace: aml.workspace,
    parameters: ['epochs', 'mode', 'dry_run', 'note'],
  });
  aml.aml.addPipeline({
    id: SCORE_ID,
    kind: 'published',
    workspace: aml.workspace,
    dataPathParameters: ['input_data'],
  });
  const dataContainer = uniqueContainerName('app-data');
  const app = createAppFolder({
    targets: [
      'targets:',
      '  train:',
      `    pipeline_id: ${TRAIN_ID}`,
      '    experiment_name: train',
      '    parameters: { epochs: 10, mode: full, dry_run: false }',
      '  score:',
      `    pipeline_id: ${SCORE_ID}`,
      '    experiment_name: score',
    ].join('\n'),
    schedules: appBedSchedulesYaml(dataContainer),
  });
  const cwd = process.cwd();
  process.chdir(app.root);
  await BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(dataContainer).create();
  const store = (settings: Record<string, string>): ScheduleStateStore => {
    const built = ScheduleStateStore.fromSettings(settings);
    if (!built.ok) throw new Error(built.error.message);
    return built.value;
  };
  return {
    aml,
    app,
    dataContainer,
    settings: () => ({
      ...aml.env,
      AzureWebJobsStorage: azuriteConnectionString(),
      REACTIVE_STORAGE: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: uniqueContainerName('app-state'),
      AML_SUBSCRIPTION_ID: aml.workspace.subscriptionId,
      AML_RESOURCE_GROUP: aml.workspace.resourceGroup,
      AML_WORKSPACE_NAME: aml.workspace.workspaceName,
      AML_RETRY_MAX_ATTEMPTS: '1',
    }),
    store,
    async oneOccurrenceDue(settings) {
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 10_000) await new Promise((r) => setTimeout(r, left + 100));
      const minute = Date.now() - (Date.now() % 60_000);
      const before = new Date(minute - 1000);
      await new ScheduleRegistry({
        store: store(settings),
        env: settings,
        appRoot: app.root,
        clock: () => before,
      }).sync(before);
      return isoInstant(new Date(minute));
    },
    runsOf: (schedule) =>
      aml.aml.submissions.filter(
        (s) => (s.body.Tags as Record<string, string> | undefined)?.['aml-triggers.schedule'] === schedule,
      ),
    async close() {
      process.chdir(cwd);
      app.remove();
      await aml.close();
    },
  };
}
