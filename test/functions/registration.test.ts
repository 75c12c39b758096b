/**
 * Registration contract: what the Functions host receives for every function of the BUILT app
 * (package.json `main` glob under dist/), through the stand-in `@azure/functions-core`.
 * Loading needs no targets file and no settings: configuration is read on first use (and by the host's
 * appStart hook), never at module load.
 *
 * Add a row to EXPECTED for each new function; the test fails on functions missing from the table too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  loadApp,
  loadRegistrations,
  type BindingMetadata,
  type RegisteredFunction,
} from '../support/registration';

type Expected =
  | { name: string; kind: 'http'; route: string; methods: string[]; authLevel: 'anonymous' | 'function' | 'admin' }
  | { name: string; kind: 'other'; check: (fn: RegisteredFunction) => void };

const EXPECTED: Expected[] = [
  { name: 'listPipelineTargets', kind: 'http', route: 'pipelines', methods: ['GET'], authLevel: 'function' },
  {
    name: 'submitPipelineRun',
    kind: 'http',
    route: 'pipelines/{target}/runs',
    methods: ['POST'],
    authLevel: 'function',
  },
  // A target's status (PublishedPipeline.disable()/enable()): changes what runs, so the master key.
  {
    name: 'disablePipelineTarget',
    kind: 'http',
    route: 'pipelines/{target}/disable',
    methods: ['POST'],
    authLevel: 'admin',
  },
  {
    name: 'enablePipelineTarget',
    kind: 'http',
    route: 'pipelines/{target}/enable',
    methods: ['POST'],
    authLevel: 'admin',
  },
  { name: 'openApiDocument', kind: 'http', route: 'openapi.json', methods: ['GET'], authLevel: 'function' },
  // The one anonymous route: the availability test calls it without a key; it answers no secret.
  { name: 'health', kind: 'http', route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  // Schedule operations: reads with a function key, changes with the master key (authLevel admin).
  { name: 'listSchedules', kind: 'http', route: 'schedules', methods: ['GET'], authLevel: 'function' },
  { name: 'getSchedule', kind: 'http', route: 'schedules/{name}', methods: ['GET'], authLevel: 'function' },
  {
    name: 'getScheduleHistory',
    kind: 'http',
    route: 'schedules/{name}/history',
    methods: ['GET'],
    authLevel: 'function',
  },
  { name: 'applySchedules', kind: 'http', route: 'schedules', methods: ['POST'], authLevel: 'admin' },
  { name: 'enableSchedule', kind: 'http', route: 'schedules/{name}/enable', methods: ['POST'], authLevel: 'admin' },
  { name: 'disableSchedule', kind: 'http', route: 'schedules/{name}/disable', methods: ['POST'], authLevel: 'admin' },
  { name: 'deleteSchedule', kind: 'http', route: 'schedules/{name}', methods: ['DELETE'], authLevel: 'admin' },
  { name: 'runScheduleNow', kind: 'http', route: 'schedules/{name}/run', methods: ['POST'], authLevel: 'admin' },
  // Web pages (src/functions/ui.ts): the same levels as the operations they use.
  { name: 'uiSchedules', kind: 'http', route: 'ui', methods: ['GET'], authLevel: 'function' },
  { name: 'uiSchedule', kind: 'http', route: 'ui/schedules/{name}', methods: ['GET'], authLevel: 'function' },
  {
    name: 'uiEnableSchedule',
    kind: 'http',
    route: 'ui/schedules/{name}/enable',
    methods: ['POST'],
    authLevel: 'admin',
  },
  {
    name: 'uiDisableSchedule',
    kind: 'http',
    route: 'ui/schedules/{name}/disable',
    methods: ['POST'],
    authLevel: 'admin',
  },
  { name: 'uiSubmitTargets', kind: 'http', route: 'ui/submit', methods: ['GET'], authLevel: 'function' },
  { name: 'uiSubmitForm', kind: 'http', route: 'ui/submit/{target}', methods: ['GET'], authLevel: 'function' },
  { name: 'uiSubmitRun', kind: 'http', route: 'ui/submit/{target}', methods: ['POST'], authLevel: 'function' },
  { name: 'uiPreview', kind: 'http', route: 'ui/preview', methods: ['GET'], authLevel: 'function' },
  // The schedule timer: every minute (SCHEDULE_TICK_CRON unset), never on start-up, with the host's monitor.
  {
    name: 'scheduleTimer',
    kind: 'other',
    check: (fn) => {
      const [, trigger] = only(fn.bindings, (b) => b.direction === 'in');
      expect(trigger).toMatchObject({
        type: 'timerTrigger',
        schedule: '0 */1 * * * *',
        runOnStartup: false,
        useMonitor: true,
      });
      expect(Object.keys(fn.bindings)).toHaveLength(1);
      expect(fn.retryOptions).toBeUndefined();
    },
  },
];

let functions: RegisteredFunction[];

beforeAll(async () => {
  await ensureBuilt();
  // No targets file, no AML settings: registration must not depend on configuration.
  functions = await loadRegistrations({
    env: { AML_TARGETS_FILE: '', AML_SUBSCRIPTION_ID: '', AML_RESOURCE_GROUP: '', AML_WORKSPACE_NAME: '' },
  });
}, 120_000);

function only(
  bindings: Record<string, BindingMetadata>,
  predicate: (b: BindingMetadata) => boolean,
): [string, BindingMetadata] {
  const found = Object.entries(bindings).filter(([, b]) => predicate(b));
  expect(found, JSON.stringify(bindings)).toHaveLength(1);
  return found[0] as [string, BindingMetadata];
}

describe('function registrations', () => {
  for (const expected of EXPECTED) {
    it(`${expected.name}: bindings as the host needs them`, () => {
      const fn = functions.find((f) => f.name === expected.name);
      expect(
        fn,
        `function ${expected.name} is not registered; registered: ${functions.map((f) => f.name).join(', ')}`,
      ).toBeDefined();
      if (!fn) return;
      if (expected.kind === 'other') {
        expected.check(fn);
        return;
      }
      const [, trigger] = only(fn.bindings, (b) => b.direction === 'in');
      expect(trigger).toMatchObject({
        type: 'httpTrigger',
        direction: 'in',
        route: expected.route,
        authLevel: expected.authLevel,
      });
      expect((trigger.methods as string[]).map((m) => m.toUpperCase()).sort()).toEqual([...expected.methods].sort());
      const [outName, output] = only(fn.bindings, (b) => b.direction === 'out');
      expect(output.type).toBe('http');
      expect(outName).toBe('$return');
      expect(Object.keys(fn.bindings)).toHaveLength(2);
    });
  }

  it('no route is registered twice and every HTTP route but GET /api/health needs a key', () => {
    const http = functions.filter((f) => Object.values(f.bindings).some((b) => b.type === 'httpTrigger'));
    const routes = http.flatMap((f) =>
      Object.values(f.bindings)
        .filter((b) => b.type === 'httpTrigger')
        .flatMap((b) => (b.methods as string[]).map((m) => `${m.toUpperCase()} ${String(b.route)}`)),
    );
    expect(new Set(routes).size).toBe(routes.length);
    for (const f of http)
      for (const b of Object.values(f.bindings))
        if (b.type === 'httpTrigger' && f.name !== 'health') expect(b.authLevel, f.name).not.toBe('anonymous');
  });

  it('every HTTP function is in the table', () => {
    const known = new Set(EXPECTED.map((e) => e.name));
    const http = functions
      .filter((f) => Object.values(f.bindings).some((b) => b.type === 'httpTrigger'))
      .map((f) => f.name);
    expect(http.filter((n) => !known.has(n))).toEqual([]);
  });

  it('registers the appStart hook that validates the targets file at host start', async () => {
    const loaded = await loadApp({ env: { AML_TARGETS_FILE: '' } });
    expect(loaded.hooks).toContain('appStart');
  });
});
