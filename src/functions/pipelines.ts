/**
 * HTTP routes for pipelines (logic in src/http/pipelinesHandlers.ts):
 *   GET  /api/pipelines                 listPipelineTargets
 *   POST /api/pipelines/{target}/runs   submitPipelineRun
 *   POST /api/pipelines/{target}/disable  disablePipelineTarget  (authLevel admin; src/http/targetsHandlers.ts)
 *   POST /api/pipelines/{target}/enable   enablePipelineTarget   (authLevel admin)
 * Listing and submitting need a function key (authLevel `function`); changing a target's status needs the
 * master key, like the schedule enable/disable routes. Other methods get the host's 404/405.
 *
 * Start-up: the targets file is validated when the host starts the app (appStart hook), so an invalid
 * file stops the app with the full message (file:line:column, path, problem) in the host log instead of
 * surfacing on the first call. Outside the host (tests) the hook is not run and the configuration loads
 * on first use.
 */
import { app } from '@azure/functions';
import { runtime } from '../runtime';
import { createListTargetsHandler, createSubmitRunHandler } from '../http/pipelinesHandlers';
import { createSetTargetStatusHandler, targetsDepsFrom } from '../http/targetsHandlers';

export { createListTargetsHandler, createSubmitRunHandler };

app.http('listPipelineTargets', {
  route: 'pipelines',
  methods: ['GET'],
  authLevel: 'function',
  handler: createListTargetsHandler(runtime),
});

app.http('submitPipelineRun', {
  route: 'pipelines/{target}/runs',
  methods: ['POST'],
  authLevel: 'function',
  handler: createSubmitRunHandler(runtime),
});

const targetsDeps = targetsDepsFrom(runtime);

app.http('disablePipelineTarget', {
  route: 'pipelines/{target}/disable',
  methods: ['POST'],
  authLevel: 'admin',
  handler: createSetTargetStatusHandler(targetsDeps, 'Disabled'),
});

app.http('enablePipelineTarget', {
  route: 'pipelines/{target}/enable',
  methods: ['POST'],
  authLevel: 'admin',
  handler: createSetTargetStatusHandler(targetsDeps, 'Active'),
});

app.hook.appStart(async () => {
  runtime.validateStartup();
  await runtime.validateSchedules();
});
