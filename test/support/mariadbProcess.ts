/**
 * A throw-away MariaDB server for Azurite's SQL metadata store (`AZURITE_DB`), used by the tick
 * benchmark so that Azurite's cost per call does not grow with the number of blobs. The server is the
 * machine's own `mariadbd` (Debian: `apt-get install mariadb-server`), started on a free loopback port
 * with a fresh data folder in a temp directory (`mariadb-install-db`), its socket in that folder, no
 * grant tables (loopback only, nothing kept), and the folder removed when it stops. No system service
 * is used or touched. Tests do not use it: they keep in-memory Azurite.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { childReady } from './childReady';
import { freePort } from './freePort';

export const MARIADB_INSTALL_HINT =
  'install MariaDB to measure on a store whose cost per call does not grow with the blob count: `sudo apt-get install -y mariadb-server` (Debian/Ubuntu; the bench starts and stops its own server, no service needed)';

/** The database Azurite keeps its metadata in (it creates the tables; the database must exist). */
const DATABASE = 'azurite_blob';

export interface MariadbBinaries {
  readonly mariadbd: string;
  readonly installDb: string;
  /** "MariaDB 10.11.19-MariaDB-0+deb12u1", from `mariadbd --version`. */
  readonly version: string;
}

export interface RunningMariadb {
  /** `mysql://root@127.0.0.1:<port>/azurite_blob`, the form Azurite reads from `AZURITE_DB`. */
  readonly url: string;
  stop(): Promise<void>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `mariadbd` and `mariadb-install-db` from PATH or the sbin folders (not on a non-root PATH), or undefined. */
export function findMariadb(env: NodeJS.ProcessEnv = process.env): MariadbBinaries | undefined {
  const dirs = [
    ...(env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/bin',
    '/usr/local/bin',
  ];
  const find = (name: string): string | undefined => dirs.map((d) => join(d, name)).find(executable);
  const mariadbd = find('mariadbd');
  const installDb = find('mariadb-install-db');
  if (!mariadbd || !installDb) return undefined;
  const banner = spawnSync(mariadbd, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return { mariadbd, installDb, version: `MariaDB ${/Ver\s+(\S+)/.exec(banner)?.[1] ?? '(unknown version)'}` };
}

/** Under root, mariadbd refuses to start unless told to run as root. */
const userArgs = (): string[] => (process.getuid?.() === 0 ? ['--user=root'] : []);

function startOnce(bin: MariadbBinaries, dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    bin.mariadbd,
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'mariadbd.sock')}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-grant-tables',
      '--skip-name-resolve',
      `--init-file=${join(dir, 'init.sql')}`,
      // A throw-away store: no flush to disk at each commit (as fast as the machine's memory, not its disk).
      '--innodb-flush-log-at-trx-commit=2',
      '--innodb-buffer-pool-size=512M',
      '--max-connections=200',
      ...userArgs(),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return childReady(child, {
    name: `mariadbd on port ${port}`,
    ready: /ready for connections/,
    timeoutMs: 60_000,
  }).then(() => child);
}

/** Starts a fresh server in its own temp folder; `stop()` ends it and removes the folder. */
export async function startMariadb(bin: MariadbBinaries): Promise<RunningMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'aml-triggers-mariadb-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const install = spawnSync(
      bin.installDb,
      ['--no-defaults', `--datadir=${join(dir, 'data')}`, '--skip-test-db', ...userArgs()],
      { encoding: 'utf8' },
    );
    if (install.status !== 0)
      throw new Error(
        `mariadb-install-db failed (exit ${String(install.status)}):\n${install.stdout}${install.stderr}${install.error?.message ?? ''}`,
      );
    writeFileSync(join(dir, 'init.sql'), `CREATE DATABASE IF NOT EXISTS ${DATABASE};\n`);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      try {
        const child = await startOnce(bin, dir, port);
        return {
          url: `mysql://root@127.0.0.1:${port}/${DATABASE}`,
          stop: () =>
            new Promise<void>((resolve) => {
              const done = (): void => {
                remove();
                resolve();
              };
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', done);
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
            }),
        };
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  } catch (error) {
    remove();
    throw error;
  }
}
