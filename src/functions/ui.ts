/**
 * The web pages (src/ui/handlers.ts; docs/ui.md). Same auth as the operations API: pages and the
 * Submit form take a function key, Enable / Disable the host's master key (authLevel admin), like
 * `POST /api/schedules/{name}/enable|disable`. Open them with `?code=<key>`; the pages carry it on.
 *
 *   GET  /api/ui                          uiSchedules
 *   GET  /api/ui/schedules/{name}         uiSchedule
 *   POST /api/ui/schedules/{name}/enable  uiEnableSchedule    admin
 *   POST /api/ui/schedules/{name}/disable uiDisableSchedule   admin
 *   GET  /api/ui/submit                   uiSubmitTargets
 *   GET  /api/ui/submit/{target}          uiSubmitForm
 *   POST /api/ui/submit/{target}          uiSubmitRun
 *   GET  /api/ui/preview                  uiPreview
 */
import { app } from '@azure/functions';
import { runtime } from '../runtime';
import { uiApiFrom } from '../ui/api';
import {
  createPreviewPage,
  createSchedulePage,
  createSchedulesPage,
  createSetEnabledPage,
  createSubmitFormPage,
  createSubmitRunPage,
  createTargetsPage,
} from '../ui/handlers';

const deps = { api: uiApiFrom(runtime) };

app.http('uiSchedules', { route: 'ui', methods: ['GET'], authLevel: 'function', handler: createSchedulesPage(deps) });
app.http('uiSchedule', { route: 'ui/schedules/{name}', methods: ['GET'], authLevel: 'function', handler: createSchedulePage(deps) });
app.http('uiEnableSchedule', { route: 'ui/schedules/{name}/enable', methods: ['POST'], authLevel: 'admin', handler: createSetEnabledPage(deps, true) });
app.http('uiDisableSchedule', { route: 'ui/schedules/{name}/disable', methods: ['POST'], authLevel: 'admin', handler: createSetEnabledPage(deps, false) });
app.http('uiSubmitTargets', { route: 'ui/submit', methods: ['GET'], authLevel: 'function', handler: createTargetsPage(deps) });
app.http('uiSubmitForm', { route: 'ui/submit/{target}', methods: ['GET'], authLevel: 'function', handler: createSubmitFormPage(deps) });
app.http('uiSubmitRun', { route: 'ui/submit/{target}', methods: ['POST'], authLevel: 'function', handler: createSubmitRunPage(deps) });
app.http('uiPreview', { route: 'ui/preview', methods: ['GET'], authLevel: 'function', handler: createPreviewPage(deps) });
