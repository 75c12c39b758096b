/**
 * `aml-triggers blob <container>/<path> [--json]`: handles one blob as the blob trigger would, without
 * the Functions host or Event Grid: reads the blob's properties (never its content) from the watched
 * account (`REACTIVE_STORAGE`), builds the trigger metadata the host would pass from them, and runs the
 * reactive handler (`handleBlobEvent` over `createReactiveDepsProvider(runtime)`): matching schedules,
 * the per-version claim, the submission with the blob as a DataPath, the history entry.
 *
 * The version (ETag) always comes from storage, never from the caller: running the command twice for an
 * unchanged blob starts no second run (`duplicate`); after the blob is replaced it starts one again.
 * Exit codes: 0 handled (submitted, duplicate, ignored, disabled: printed); 1 a submission failed, or
 * storage could not be read; 2 invalid input or settings, or no such blob.
 */
import { AppFailure, type AppError } from '../errors';
import { parseTriggerMetadata } from '../reactive/blobEvent';
import { handleBlobEvent, type ReactiveOutcome } from '../reactive/handler';
import { REACTIVE_CONNECTION } from '../reactive/registration';
import { createReactiveDepsProvider } from '../reactive/runtimeDeps';
import { statusOf, storageError } from '../storage/blobJson';
import { parseOneArgument, usage, type UsageSpec } from './args';
import { errorOf, openRuntime, reportError } from './appRuntime';
import type { CliIo } from './main';

export const summary =
  'Handle one blob as the reactive blob trigger would (match schedules, claim its version, submit).';

const PREFIX = 'aml-triggers blob';
const USAGE: UsageSpec = { prefix: PREFIX, helpCommand: 'aml-triggers blob --help' };

const HELP = [
  'Usage: aml-triggers blob <container>/<path> [--json]',
  '',
  'Handles the blob as the blob trigger would: its current version (ETag) is read from the watched',
  `storage account (${REACTIVE_CONNECTION}), every reactive schedule watching the folder it is directly in`,
  'submits one run for that version (a version already handled is a duplicate), and the history records it.',
  '',
  '  --json   print the outcome as JSON',
  '',
  'Exit codes: 0 handled, 1 a submission or storage read failed, 2 invalid input or settings, no such blob.',
];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOneArgument(argv, io, {
    ...USAGE,
    options: { json: { type: 'boolean' } },
    help: HELP,
    missing: 'missing the blob, as <container>/<path>',
  });
  if ('exit' in parsed) return parsed.exit;
  const { values, argument: path } = parsed;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1)
    return usage(
      io,
      USAGE,
      `${JSON.stringify(path)} is not <container>/<path>; give the container, a slash, then the blob's name, e.g. incoming/daily/2026-03-01.csv`,
    );
  const container = path.slice(0, slash);
  const blobName = path.slice(slash + 1);

  const runtime = openRuntime(io);
  if (!runtime.ok) return reportError(io, PREFIX, runtime.error);
  const service = runtime.value.watchedAccount;
  if (!service.ok) return reportError(io, PREFIX, service.error);

  let outcome: ReactiveOutcome;
  try {
    const blob = service.value.getContainerClient(container).getBlobClient(blobName);
    let properties;
    try {
      properties = await blob.getProperties();
    } catch (e) {
      if (statusOf(e) === 404) return reportError(io, PREFIX, noSuchBlob(container, blobName));
      throw new AppFailure(storageError('read properties', `${container}/${blobName}`, e));
    }
    // The trigger metadata the host passes for this blob, from its real properties.
    const event = parseTriggerMetadata({
      blobTrigger: `${container}/${blobName}`,
      uri: blob.url,
      properties: {
        eTag: properties.etag,
        contentLength: properties.contentLength,
        contentType: properties.contentType,
      },
      metadata: properties.metadata ?? {},
    });
    if (!event.ok) return reportError(io, PREFIX, event.error);
    const deps = await createReactiveDepsProvider(runtime.value)();
    outcome = await handleBlobEvent(event, {
      ...deps,
      // With --json the document says what happened; warnings and errors still go to stderr.
      log: (level, message) =>
        level !== 'info'
          ? io.stderr(`${level === 'warn' ? 'warning' : 'error'}: ${message}`)
          : values.json === true
            ? undefined
            : io.stdout(message),
    });
  } catch (e) {
    return reportError(io, PREFIX, errorOf(e));
  }
  if (values.json === true)
    io.stdout(
      JSON.stringify(outcome, (key, value: unknown) => (key === 'timings' || key === 'probeMs' ? undefined : value)),
    );
  const failed = outcome.runs.filter((r) => r.status === 'failed');
  if (failed.length === 0) return 0;
  io.stderr(
    `${PREFIX}: ${failed.length} submission(s) failed${outcome.retry ? '; run the command again to retry (the blob trigger would be redelivered)' : ''}.`,
  );
  return 1;
}

function noSuchBlob(container: string, blobName: string): AppError {
  return {
    code: 'reactive.blob.not_found',
    field: 'blob',
    value: `${container}/${blobName}`,
    message: `There is no blob ${JSON.stringify(blobName)} in container ${JSON.stringify(container)} of the watched account (${REACTIVE_CONNECTION}); check the container and the blob's full name.`,
  };
}
