/**
 * Entry point the Functions Node worker loads first (package.json `main` globs this file and
 * src/functions/*.js). Start Application Insights before anything else, as its SDK requires.
 */
import { app } from '@azure/functions';
import { getTelemetry } from './telemetry';

getTelemetry();
app.setup({ enableHttpStream: false });
