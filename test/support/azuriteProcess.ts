/**
 * Azurite, the real Blob Storage emulator from the npm package, run as a child process on a free
 * loopback port. The vitest global setup starts one per test run (test/support/globalSetup.ts); the
 * benchmarks start their own. No vitest imports here: this module also runs outside test workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './freePort';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export function connectionStringFor(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
}

function startOnce(port: number): Promise<{ child: ChildProcess; port: number }> {
  const bin = join(__dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  const child = spawn(
    process.execPath,
    [bin, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableProductStyleUrl', '--disableTelemetry', '--extentMemoryLimit', '1024'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Azurite did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/successfully listen/i.test(output)) {
        clearTimeout(timer);
        resolve({ child, port });
      } else if (/EADDRINUSE|exception/i.test(output)) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`Azurite failed to start on port ${port}:\n${output}`));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${String(code)} before it was ready:\n${output}`));
    });
  });
}

export async function startAzurite(): Promise<RunningAzurite> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const { child, port } = await startOnce(await freePort());
      const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
      return {
        blobEndpoint,
        connectionString: connectionStringFor(blobEndpoint),
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
          }),
      };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

