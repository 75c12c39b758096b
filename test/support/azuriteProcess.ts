/**
 * Azurite, the real Blob Storage emulator from the npm package, run as a child process on a free
 * loopback port. The vitest global setup starts one per test run (test/support/globalSetup.ts); the
 * benchmarks start their own. No vitest imports here: this module also runs outside test workers.
 *
 * By default everything is in memory. With `metadataDb` (a `mysql://…` URI, see mariadbProcess.ts)
 * Azurite keeps its blob metadata in that SQL database (`AZURITE_DB`, "Customized Metadata Storage by
 * External Database" in Azurite's README) and the blob contents in a temp folder removed on stop.
 * With `location`, the data is kept in that folder (the caller's: it is left in place).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childReady } from './childReady';
import { freePort } from './freePort';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export function connectionStringFor(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
}

export interface AzuriteOptions {
  /** Keep blob metadata in this SQL database (`mysql://user@host:port/database`) instead of memory. */
  readonly metadataDb?: string;
  /** Keep the data in this folder (`--location`) instead of in memory or a temp folder. */
  readonly location?: string;
}

function startOnce(
  port: number,
  options: AzuriteOptions,
  location: string | undefined,
): Promise<{ child: ChildProcess; port: number }> {
  const bin = join(__dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  // Azurite refuses --inMemoryPersistence and --extentMemoryLimit with SQL metadata.
  const storage =
    location === undefined ? ['--inMemoryPersistence', '--extentMemoryLimit', '1024'] : ['--location', location];
  const child = spawn(
    process.execPath,
    [
      bin,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      ...storage,
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
      '--disableProductStyleUrl',
      '--disableTelemetry',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.metadataDb === undefined ? process.env : { ...process.env, AZURITE_DB: options.metadataDb },
    },
  );
  return childReady(child, {
    name: `Azurite on port ${port}`,
    ready: /successfully listen/i,
    failed: /EADDRINUSE|exception/i,
    timeoutMs: 30_000,
  }).then(() => ({ child, port }));
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const temporary = options.location === undefined && options.metadataDb !== undefined;
  const location = options.location ?? (temporary ? mkdtempSync(join(tmpdir(), 'aml-triggers-azurite-')) : undefined);
  const removeLocation = (): void => {
    if (temporary && location !== undefined) rmSync(location, { recursive: true, force: true });
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const { child, port } = await startOnce(await freePort(), options, location);
      const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
      return {
        blobEndpoint,
        connectionString: connectionStringFor(blobEndpoint),
        stop: () =>
          new Promise<void>((resolve) => {
            const done = (): void => {
              removeLocation();
              resolve();
            };
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
          }),
      };
    } catch (error) {
      lastError = error;
    }
  }
  removeLocation();
  throw lastError;
}
