/**
 * The web pages end to end, in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the app's registered HTTP functions served on loopback (test/support/uiServer.ts) over a real
 * runtime: schedule files and a targets file in a temporary app folder, Azurite for the state, the real
 * Azure ML client against the fake Azure ML (test/support/amlTestBed.ts), the real tick for firing.
 *
 * Every page is also photographed at desktop and phone width into test-output/ui-screenshots/
 * (docs/ui.md). Nothing here waits for wall-clock time: Playwright waits for elements, and the tick is
 * run with an explicit instant.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPipelineClient, type AmlPipelineClient } from '../../src/aml/client';
import { DEFAULT_RETRY_POLICY } from '../../src/aml/retry';
import { createRuntime, type Runtime } from '../../src/runtime';
import { TAG_SCHEDULE } from '../../src/schedules/submitOccurrence';
import { DEFAULT_TICK_SETTINGS, runTick, type TickReport } from '../../src/schedules/tick';
import { MemoryTelemetry } from '../../src/telemetry';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import type { AmlSubmission } from '../support/fakeAml';
import { APP_ROOT } from '../support/registration';
import { startAppServer, type AppServer } from '../support/uiServer';

export const SCREENSHOT_DIR = join(APP_ROOT, 'test-output', 'ui-screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const PIPELINE_ID = 'pub-train';

// A browser on a busy machine is slow, not wrong: generous limits, no timing assertions.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let bed: AmlTestBed;
let client: AmlPipelineClient;
let runtime: Runtime;
let server: AppServer;
let browser: Browser;
let root: string;
/** When the schedules were first synced: the tick instants below count from it. */
let start: Date;

function targetsYaml(): string {
  const ws = bed.workspace;
  return `targets:
  train:
    description: Retrains the churn model
    workspace: { subscription_id: ${ws.subscriptionId}, resource_group: ${ws.resourceGroup}, workspace_name: ${ws.workspaceName} }
    pipeline_id: ${PIPELINE_ID}
    experiment_name: training
    parameters: { epochs: 10, mode: full }
    data_paths:
      input_data: { datastore: workspaceblobstore, path: landing/ }
`;
}

const SCHEDULES = `schedules:
  - name: nightly-retrain
    description: Retrain twice a week
    target: train
    recurrence: { frequency: Week, interval: 1, week_days: [Monday, Thursday], time_of_day: "09:30", time_zone: W. Europe Standard Time }
    pipeline_parameters: { epochs: 20 }
  - name: every-minute
    target: train
    recurrence: { frequency: Minute, interval: 1 }
  - name: to-disable
    target: train
    recurrence: { frequency: Minute, interval: 1 }
  - name: landing
    target: train
    datastore: workspaceblobstore
    path_on_datastore: incoming
    data_path_parameter_name: input_data
`;

function tick(at: Date): Promise<TickReport> {
  const lines: string[] = [];
  return runTick(at, {
    store: runtime.scheduleStore,
    registry: runtime.schedules,
    client,
    targets: () => runtime.targets.targets,
    telemetry: new MemoryTelemetry(),
    log: { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) },
    settings: { ...DEFAULT_TICK_SETTINGS, owner: 'ui-test' },
  });
}

const submissionsOf = (name: string): AmlSubmission[] =>
  bed.aml.submissions.filter((s) => (s.body.Tags as Record<string, string> | undefined)?.[TAG_SCHEDULE] === name);
const plus = (d: Date, ms: number): Date => new Date(d.getTime() + ms);

beforeAll(async () => {
  bed = await startAmlTestBed();
  bed.aml.addPipeline({
    id: PIPELINE_ID,
    kind: 'published',
    workspace: bed.workspace,
    parameters: ['epochs', 'mode', 'learning_rate'],
    dataPathParameters: ['input_data', 'extra_data'],
  });
  root = mkdtempSync(join(tmpdir(), 'ui-app-'));
  writeFileSync(join(root, 'host.json'), '{}');
  writeFileSync(join(root, 'targets.yaml'), targetsYaml());
  mkdirSync(join(root, 'schedules'));
  writeFileSync(join(root, 'schedules', 'app.yaml'), SCHEDULES);
  client = createPipelineClient({
    env: bed.env,
    settings: {
      attemptTimeoutMs: 5_000,
      deadlineMs: 10_000,
      retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 10 },
    },
  });
  runtime = createRuntime({
    appRoot: root,
    telemetry: new MemoryTelemetry(),
    pipelineClient: client,
    env: {
      ...bed.env,
      AzureWebJobsStorage: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: uniqueContainerName('ui'),
      AML_TARGETS_FILE: 'targets.yaml',
      SCHEDULES_PATH: 'schedules',
    },
  });
  await runtime.scheduleStore.ensureContainer();
  // Bring the schedules into the store, then let the two every-minute ones fire once, so the pages have history.
  start = new Date();
  await runtime.schedules.sync(start);
  await tick(plus(start, 90_000));
  // A run whose answer was lost (the tick records this after its submit deadline) and a blob arrival,
  // written to the history as the tick and the blob trigger write them, for the pages to show.
  await runtime.scheduleStore.history.append('nightly-retrain', {
    occurrence: '2026-11-30T08:30:00Z',
    trigger: 'schedule',
    status: 'failed',
    attempts: 1,
    recordedAt: '2026-11-30T08:35:10Z',
    error: {
      code: 'schedule.submit.outcome_unknown',
      message:
        'Azure ML did not answer the submission of occurrence 2026-11-30T08:30:00Z within the deadline; it may or may not have created a run.',
    },
  });
  await runtime.scheduleStore.history.append('landing', {
    occurrence: '"0x8DD11F0A2B3C4D5"',
    trigger: 'blob',
    status: 'submitted',
    runId: '7d3e1c2a-0000-4000-8000-00000000abcd',
    attempts: 1,
    recordedAt: '2026-11-30T10:02:03Z',
    detail: 'landing/incoming/2026-11-30.csv',
  });
  server = await startAppServer(runtime);
  if (!existsSync(CHROMIUM))
    throw new Error(
      `The browser tests need headless Chromium at ${CHROMIUM}: apt-get install chromium (bash .ci/run does), or set CHROMIUM_PATH.`,
    );
  browser = await chromium.launch({ executablePath: CHROMIUM });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  client?.close();
  await bed?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function newPage(viewport = DESKTOP): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(60_000);
  return page;
}

/** Screenshots of `url` at desktop and phone width, as test-output/ui-screenshots/<name>-desktop|phone.png. */
async function photograph(name: string, url: string): Promise<void> {
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    const page = await newPage(viewport);
    await page.goto(url);
    await page.locator('main h1').waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${size}.png`), fullPage: true });
    expect(await sidewaysScroll(page), `${name} at ${size} width scrolls sideways`).toBeLessThanOrEqual(0);
    await page.close();
  }
}

/** How far the page scrolls sideways (0: it fits the viewport's width). */
async function sidewaysScroll(page: Page): Promise<number> {
  return (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
}

/** The cells of the list's row for `name`, by column header. */
async function listRow(page: Page, name: string): Promise<Record<string, string>> {
  const row = page.locator('tbody tr', { has: page.getByRole('link', { name, exact: true }) });
  await row.waitFor();
  const cells = row.locator('td');
  const out: Record<string, string> = {};
  for (let i = 0; i < (await cells.count()); i++)
    out[(await cells.nth(i).getAttribute('data-label')) ?? String(i)] = (await cells.nth(i).innerText()).trim();
  return out;
}

describe('Schedules page', () => {
  it('lists the seeded schedules with kind, target, when they run, status, next run in UTC and their zone, and last run', async () => {
    const page = await newPage();
    await page.goto(server.url('/ui'));
    expect(await page.title()).toBe('Schedules · aml-pipeline-triggers');
    const names = await page.locator('tbody tr td[data-label="Name"] a').allInnerTexts();
    expect(names.sort()).toEqual(['every-minute', 'landing', 'nightly-retrain', 'to-disable']);

    const nightly = await listRow(page, 'nightly-retrain');
    expect(nightly).toMatchObject({ Kind: 'Time', Status: 'Active' });
    expect(nightly.Pipeline).toContain('target train');
    expect(nightly['When it runs']).toContain(
      'Runs at 9:30 on Monday, Thursday every Week (W. Europe Standard Time, Europe/Berlin)',
    );
    expect(nightly['Next run']).toMatch(/^\d{4}-\d\d-\d\d 0[78]:30 UTC\n.* 09:30 .*Europe\/Berlin$/);
    expect(nightly['Last run']).toContain('Outcome unknown');

    const landing = await listRow(page, 'landing');
    expect(landing).toMatchObject({ Kind: 'Blob', Status: 'Active', 'Next run': 'when a blob lands' });
    expect(landing['When it runs']).toContain('"incoming/" in datastore workspaceblobstore');
    expect(landing['Last run']).toContain('Submitted');

    const minute = await listRow(page, 'every-minute');
    expect(minute['Last run']).toContain('Submitted');
    await page.close();
    await photograph('schedules', server.url('/ui'));
  });

  it('filters by status and target', async () => {
    const page = await newPage();
    await page.goto(server.url('/ui'));
    await page.getByLabel('Status').selectOption('Disabled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=Disabled/);
    const status = await page.getByRole('status').innerText();
    expect(status).toMatch(/schedules? match the filters/);
    await page.getByLabel('Target').selectOption('train');
    await page.getByLabel('Status').selectOption('Active');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=Active.*target=train|target=train.*status=Active/);
    const names = await page.locator('tbody tr td[data-label="Name"] a').allInnerTexts();
    expect(names).toContain('nightly-retrain');
    await page.close();
  });

  it('an API problem is shown as its title and detail, never a blank page', async () => {
    const page = await newPage();
    const response = await page.goto(server.url('/ui/schedules/no-such-schedule'));
    expect(response?.status()).toBe(404);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text).toContain('Not Found (HTTP 404)');
    expect(text).toContain('no-such-schedule');
    expect(text).toContain('schedule.not_found');
    await page.close();
  });
});

describe("A schedule's page", () => {
  it("shows the definition, the next 10 occurrences in UTC and the schedule's zone, and the history with unknown outcomes standing out", async () => {
    const page = await newPage();
    await page.goto(server.url('/ui'));
    await page.getByRole('link', { name: 'nightly-retrain', exact: true }).click();
    await page.getByRole('heading', { name: 'Schedule nightly-retrain' }).waitFor();
    const definition = await page.locator('dl.definition').innerText();
    expect(definition).toContain('Retrain twice a week');
    expect(definition).toContain('"epochs":20');
    expect(definition).toContain('schedules/app.yaml');
    const occurrences = await page.locator('ol.occurrences li').allInnerTexts();
    expect(occurrences).toHaveLength(10);
    for (const o of occurrences)
      expect(o).toMatch(/^\d{4}-\d\d-\d\d 0[78]:30 UTC\n(Mon|Thu) .* 09:30 .*Europe\/Berlin$/);
    const unknown = page.locator('tr.unknown');
    expect(await unknown.innerText()).toContain('Outcome unknown');
    expect(await unknown.innerText()).toContain('What to do');
    expect(await page.getByRole('heading', { name: '1 run with an unknown outcome' }).count()).toBe(1);
    await page.close();
    await photograph('schedule', server.url('/ui/schedules/nightly-retrain'));
  });

  it('a blob schedule shows its watched folder and, per run, the blob and its version', async () => {
    const page = await newPage();
    await page.goto(server.url('/ui/schedules/landing'));
    expect(await page.locator('dl.definition').innerText()).toContain(
      'incoming/ of datastore workspaceblobstore; subfolders are ignored',
    );
    const row = await page.locator('tbody tr').first().innerText();
    expect(row).toContain('landing/incoming/2026-11-30.csv');
    expect(row).toContain('version "0x8DD11F0A2B3C4D5"');
    expect(row).toContain('blob arrival');
    await page.close();
    await photograph('schedule-blob', server.url('/ui/schedules/landing'));
  });

  it('links each submitted run to Azure ML studio', async () => {
    const page = await newPage();
    await page.goto(server.url('/ui/schedules/every-minute'));
    const run = submissionsOf('every-minute')[0]!;
    const link = page.getByRole('link', { name: new RegExp(run.runId) });
    expect(await link.getAttribute('href')).toBe(
      `https://ml.azure.com/runs/${run.runId}?wsid=/subscriptions/${bed.workspace.subscriptionId}/resourcegroups/${bed.workspace.resourceGroup}/workspaces/${bed.workspace.workspaceName}`,
    );
    await page.close();
  });

  it('Disable changes its status, and the next tick does not fire it (while an enabled one fires)', async () => {
    const page = await newPage();
    await page.goto(server.url('/ui', server.keys.masterKey));
    await page.getByRole('link', { name: 'to-disable', exact: true }).click();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('heading', { name: 'Schedule disabled' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Status: Disabled');
    await page.getByRole('link', { name: '← All schedules' }).click();
    expect((await listRow(page, 'to-disable')).Status).toBe('Disabled');

    const before = { disabled: submissionsOf('to-disable').length, enabled: submissionsOf('every-minute').length };
    const report = await tick(plus(new Date(), 5 * 60_000));
    expect(report.errors).toEqual([]);
    expect(submissionsOf('every-minute').length).toBeGreaterThan(before.enabled);
    expect(submissionsOf('to-disable').length).toBe(before.disabled);
    await page.reload();
    expect((await listRow(page, 'to-disable')).Status).toBe('Disabled');
    await page.close();
  });

  it('Enable and Disable need the master key, like the operations API (the host refuses a function key)', async () => {
    const response = await fetch(server.url('/ui/schedules/every-minute/disable'), { method: 'POST' });
    expect(response.status).toBe(401);
    expect(submissionsOf('every-minute').length).toBeGreaterThan(0);
    const api = (await (await fetch(server.url('/schedules/every-minute'))).json()) as { status: string };
    expect(api.status).toBe('Active');
  });
});

describe('Submit page', () => {
  it('a run submitted from the form reaches Azure ML with the entered assignments', async () => {
    const page = await newPage();
    await page.goto(server.url('/ui'));
    await page.getByRole('link', { name: 'Submit a run' }).click();
    await page.getByRole('link', { name: 'train', exact: true }).click();
    await page.getByRole('heading', { name: 'Submit a run of train' }).waitFor();
    // Prefilled from the target's defaults.
    expect(await page.getByLabel('epochs', { exact: true }).inputValue()).toBe('10');
    expect(await page.getByLabel('input_data: Relative path').inputValue()).toBe('landing/');
    await photograph('submit-form', page.url());

    await page.getByLabel('epochs', { exact: true }).fill('25');
    await page.getByLabel('input_data: Relative path').fill('landing/2026-12-01/');
    await page.getByLabel('Another parameter: name').fill('learning_rate');
    await page.getByLabel('Its value').fill('0.05');
    await page.getByLabel('Its type').selectOption('number');
    await page.getByLabel('Another data path: name').fill('extra_data');
    await page.getByLabel('Datastore', { exact: true }).fill('archive');
    await page.getByLabel('Relative path', { exact: true }).fill('2026/11/');
    const before = bed.aml.submissions.length;
    await page.getByRole('button', { name: 'Submit run' }).click();
    const accepted = page.getByRole('heading', { name: 'Run submitted' });
    await accepted.waitFor();

    expect(bed.aml.submissions.length).toBe(before + 1);
    const sent = bed.aml.submissions.at(-1)!;
    expect(sent.body.ParameterAssignments).toEqual({ epochs: 25, mode: 'full', learning_rate: 0.05 });
    expect(sent.body.DataPathAssignments).toEqual({
      input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/2026-12-01/' },
      extra_data: { DataStoreName: 'archive', RelativePath: '2026/11/' },
    });
    expect(sent.body.ExperimentName).toBe('training');
    expect(await page.locator('main').innerText()).toContain(sent.runId);
    expect(await page.getByRole('link', { name: new RegExp(sent.runId) }).getAttribute('href')).toContain(
      `https://ml.azure.com/runs/${sent.runId}?wsid=`,
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'submit-accepted-desktop.png'), fullPage: true });
    // Reloading the answer shows it again; it does not submit a second run.
    await page.reload();
    await accepted.waitFor();
    expect(bed.aml.submissions.length).toBe(before + 1);
    await page.close();
  });

  it("an invalid value shows the API's message by the field it names, and nothing is submitted", async () => {
    const page = await newPage();
    await page.goto(server.url('/ui/submit/train'));
    await page.getByLabel('input_data: Datastore').fill('');
    await page.getByLabel('Experiment name').fill('not a valid name!');
    const before = bed.aml.submissions.length;
    await page.getByRole('button', { name: 'Submit run' }).click();
    await page.getByRole('alert').waitFor();

    // What the API itself answers for the same body.
    const api = await fetch(server.url('/pipelines/train/runs'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ExperimentName: 'not a valid name!',
        DataPathAssignments: { input_data: { DataStoreName: '', RelativePath: 'landing/' } },
      }),
    });
    expect(api.status).toBe(400);
    const problem = (await api.json()) as { errors: { field: string; detail: string }[] };
    const byField = Object.fromEntries(problem.errors.map((e) => [e.field, e.detail]));
    expect(Object.keys(byField).sort()).toEqual(['DataPathAssignments.input_data.DataStoreName', 'ExperimentName']);

    const store = page.getByLabel('input_data: Datastore');
    expect(await store.getAttribute('aria-invalid')).toBe('true');
    const storeError = page.locator(`#${await store.getAttribute('id')}-error`);
    expect(await storeError.innerText()).toBe(`Error: ${byField['DataPathAssignments.input_data.DataStoreName']}`);
    const experiment = page.getByLabel('Experiment name');
    expect(await experiment.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#experiment-error').innerText()).toBe(`Error: ${byField.ExperimentName}`);
    // The entered values stay, and nothing reached Azure ML.
    expect(await experiment.inputValue()).toBe('not a valid name!');
    expect(bed.aml.submissions.length).toBe(before);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'submit-invalid-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'submit-invalid-phone.png'), fullPage: true });
    expect(await sidewaysScroll(page), 'the refused form at phone width scrolls sideways').toBeLessThanOrEqual(0);
    await page.close();
  });

  it('the targets page lists the configured targets', async () => {
    await photograph('submit-targets', server.url('/ui/submit'));
  });
});

describe('Preview page', () => {
  it('shows the description and next occurrences of a typed recurrence, and a problem by its field', async () => {
    const page = await newPage();
    await page.goto(server.url('/ui/preview'));
    await page
      .getByLabel(/^Recurrence/)
      .fill(
        '{"frequency": "Day", "interval": 2, "time_of_day": "18:15", "time_zone": "Pacific Standard Time", "start_time": "2026-01-01T00:00:00"}',
      );
    await page.getByLabel('How many occurrences').fill('4');
    await page.getByRole('button', { name: 'Preview' }).click();
    const result = page.getByRole('heading', { level: 2 });
    await result.waitFor();
    expect(await result.innerText()).toContain(
      'Runs at 18:15 every 2 Days (Pacific Standard Time, America/Los_Angeles)',
    );
    const items = await page.locator('main ol li').allInnerTexts();
    expect(items).toHaveLength(4);
    for (const i of items) expect(i).toMatch(/18:15 P[SD]T \(UTC-0[78]:00\) America\/Los_Angeles$/);
    await photograph('preview', page.url());

    await page.getByLabel(/^Recurrence/).fill('{"frequency": "Day", "interval": 0}');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#recurrence-error').waitFor();
    expect(await page.locator('#recurrence-error').innerText()).toContain('interval');
    expect(await page.getByLabel(/^Recurrence/).getAttribute('aria-invalid')).toBe('true');
    await page.close();
  });
});

describe('keyboard only', () => {
  it("skip link, navigation, a schedule's page, Disable and Enable, and the filter form all work from the keyboard", async () => {
    const page = await newPage();
    await page.goto(server.url('/ui', server.keys.masterKey));
    const focused = (): Promise<{ tag: string; id: string; text: string; outline: string }> =>
      // A string, evaluated in the page (the test program has no DOM types).
      page.evaluate(
        `(() => { const el = document.activeElement; return { tag: el.tagName, id: el.id, text: (el.innerText || '').trim(), outline: getComputedStyle(el).outlineStyle }; })()`,
      ) as Promise<{ tag: string; id: string; text: string; outline: string }>;
    /** Presses Tab until the focused element's text is `text`, or its id is `#id` (at most 60 presses). */
    const tabTo = async (text: string): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const f = await focused();
        if (text.startsWith('#') ? `#${f.id}` === text : f.text === text) return;
      }
      throw new Error(`Tab never reached ${JSON.stringify(text)}`);
    };

    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ tag: 'A', text: 'Skip to content' });
    expect(await page.getByRole('link', { name: 'Skip to content' }).isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect((await focused()).tag).toBe('MAIN');

    await tabTo('nightly-retrain');
    expect((await focused()).outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Schedule nightly-retrain' }).waitFor();
    await tabTo('Disable');
    expect((await focused()).outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Schedule disabled' }).waitFor();
    await tabTo('Enable');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Schedule enabled' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Status: Active');

    await tabTo('Schedules');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    await tabTo('#filter-status');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByLabel('Status').inputValue()).toBe('Disabled');
    await tabTo('Apply filters');
    await page.keyboard.press('Enter');
    await page.waitForURL(/status=Disabled/);
    const names = await page.locator('tbody tr td[data-label="Name"] a').allInnerTexts();
    expect(names).toEqual(['to-disable']);
    await page.close();
  });
});

describe('screenshots', () => {
  it('are saved for every page at desktop and phone width', () => {
    for (const name of ['schedules', 'schedule', 'schedule-blob', 'submit-targets', 'submit-form', 'preview']) {
      for (const size of ['desktop', 'phone'])
        expect(existsSync(join(SCREENSHOT_DIR, `${name}-${size}.png`)), `${name}-${size}.png`).toBe(true);
    }
  });
});
