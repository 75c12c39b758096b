/**
 * The web pages under /api/ui (table and auth levels in src/ui/routes.ts, handlers in
 * src/ui/handlers.ts; docs/ui.md). Open them with `?code=<key>`; the pages carry the key on.
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
import { UI_FUNCTIONS } from '../ui/routes';

const deps = { api: uiApiFrom(runtime) };

for (const f of UI_FUNCTIONS) {
  app.http(f.name, { route: f.route, methods: [f.method], authLevel: f.authLevel, handler: f.create(deps) });
}
