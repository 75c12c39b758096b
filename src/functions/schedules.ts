/**
 * HTTP routes for schedule operations (logic in src/schedules/operations.ts, handlers in
 * src/http/schedulesHandlers.ts; documented in docs/operations.md and openapi.json):
 *
 *   GET    /api/schedules                  listSchedules         authLevel function
 *   GET    /api/schedules/{name}           getSchedule           authLevel function
 *   GET    /api/schedules/{name}/history   getScheduleHistory    authLevel function
 *   POST   /api/schedules                  applySchedules        authLevel admin
 *   POST   /api/schedules/{name}/enable    enableSchedule        authLevel admin
 *   POST   /api/schedules/{name}/disable   disableSchedule       authLevel admin
 *   DELETE /api/schedules/{name}           deleteSchedule        authLevel admin
 *   POST   /api/schedules/{name}/run       runScheduleNow        authLevel admin  (src/http/runNowHandler.ts)
 *
 * Auth levels (a choice, documented): reading needs a function key, like the pipeline routes, so the
 * keys handed to Logic Apps / Data Factory / dashboards can look at schedules. Changing what runs
 * (apply, enable, disable, delete, run now) needs the host's master key (authLevel `admin`): a function key or
 * the default host key, which may be spread around, cannot start or stop pipelines on a schedule.
 * (The host reserves routes starting with `admin/`, hence the levels rather than an admin prefix.)
 */
import { app } from '@azure/functions';
import { runtime } from '../runtime';
import {
  createApplySchedulesHandler,
  createDeleteScheduleHandler,
  createGetScheduleHandler,
  createHistoryHandler,
  createListSchedulesHandler,
  createSetEnabledHandler,
  schedulesDepsFrom,
} from '../http/schedulesHandlers';
import { createRunNowHandler } from '../http/runNowHandler';
import { runtimeRunNowDeps } from '../schedules/runNow';

const deps = schedulesDepsFrom(runtime);

app.http('listSchedules', {
  route: 'schedules',
  methods: ['GET'],
  authLevel: 'function',
  handler: createListSchedulesHandler(deps),
});
app.http('getSchedule', {
  route: 'schedules/{name}',
  methods: ['GET'],
  authLevel: 'function',
  handler: createGetScheduleHandler(deps),
});
app.http('getScheduleHistory', {
  route: 'schedules/{name}/history',
  methods: ['GET'],
  authLevel: 'function',
  handler: createHistoryHandler(deps),
});
app.http('applySchedules', {
  route: 'schedules',
  methods: ['POST'],
  authLevel: 'admin',
  handler: createApplySchedulesHandler(deps),
});
app.http('enableSchedule', {
  route: 'schedules/{name}/enable',
  methods: ['POST'],
  authLevel: 'admin',
  handler: createSetEnabledHandler(deps, true),
});
app.http('disableSchedule', {
  route: 'schedules/{name}/disable',
  methods: ['POST'],
  authLevel: 'admin',
  handler: createSetEnabledHandler(deps, false),
});
app.http('deleteSchedule', {
  route: 'schedules/{name}',
  methods: ['DELETE'],
  authLevel: 'admin',
  handler: createDeleteScheduleHandler(deps),
});
app.http('runScheduleNow', {
  route: 'schedules/{name}/run',
  methods: ['POST'],
  authLevel: 'admin',
  handler: createRunNowHandler((log) => runtimeRunNowDeps(runtime, log)),
});
