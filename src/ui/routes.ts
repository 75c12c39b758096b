/**
 * The pages' functions: name, route, method and auth level, and the handler each runs (one table, read
 * by src/functions/ui.ts to register them and by the browser tests' server). Same auth as the operations
 * API: pages and the Submit form take a function key; Enable / Disable the host's master key (authLevel
 * admin), like `POST /api/schedules/{name}/enable|disable`.
 */
import type { HttpHandler } from './api';
import {
  createPreviewPage,
  createSchedulePage,
  createSchedulesPage,
  createSetEnabledPage,
  createSubmitFormPage,
  createSubmitRunPage,
  createTargetsPage,
  type UiDeps,
} from './handlers';

export interface UiFunction {
  readonly name: string;
  readonly route: string;
  readonly method: 'GET' | 'POST';
  readonly authLevel: 'function' | 'admin';
  readonly create: (deps: UiDeps) => HttpHandler;
}

export const UI_FUNCTIONS: readonly UiFunction[] = [
  { name: 'uiSchedules', route: 'ui', method: 'GET', authLevel: 'function', create: createSchedulesPage },
  {
    name: 'uiSchedule',
    route: 'ui/schedules/{name}',
    method: 'GET',
    authLevel: 'function',
    create: createSchedulePage,
  },
  {
    name: 'uiEnableSchedule',
    route: 'ui/schedules/{name}/enable',
    method: 'POST',
    authLevel: 'admin',
    create: (deps) => createSetEnabledPage(deps, true),
  },
  {
    name: 'uiDisableSchedule',
    route: 'ui/schedules/{name}/disable',
    method: 'POST',
    authLevel: 'admin',
    create: (deps) => createSetEnabledPage(deps, false),
  },
  { name: 'uiSubmitTargets', route: 'ui/submit', method: 'GET', authLevel: 'function', create: createTargetsPage },
  {
    name: 'uiSubmitForm',
    route: 'ui/submit/{target}',
    method: 'GET',
    authLevel: 'function',
    create: createSubmitFormPage,
  },
  {
    name: 'uiSubmitRun',
    route: 'ui/submit/{target}',
    method: 'POST',
    authLevel: 'function',
    create: createSubmitRunPage,
  },
  { name: 'uiPreview', route: 'ui/preview', method: 'GET', authLevel: 'function', create: createPreviewPage },
];

/** Every page handler by function name. */
export function uiHandlers(deps: UiDeps): Record<string, HttpHandler> {
  return Object.fromEntries(UI_FUNCTIONS.map((f) => [f.name, f.create(deps)]));
}
