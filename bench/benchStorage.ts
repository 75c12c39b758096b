/**
 * The Blob Storage a benchmark measures against: Azurite with its blob metadata in a throw-away
 * MariaDB when `mariadbd` is installed (its cost per call stays flat as blobs accumulate, as Azure
 * Storage's does), else in-memory Azurite (which scans every blob of the account on each call), with
 * a label that says which, for every figure printed.
 */
import { startAzurite, type RunningAzurite } from '../test/support/azuriteProcess';
import { findMariadb, MARIADB_INSTALL_HINT, startMariadb } from '../test/support/mariadbProcess';

export type StorageChoice = 'auto' | 'mariadb' | 'memory';

export interface BenchStorage {
  /** Says what every figure was measured on, e.g. "Azurite + MariaDB 10.11.19 metadata". */
  readonly label: string;
  readonly kind: 'mariadb' | 'memory';
  /** "Azurite+MariaDB" or "in-memory Azurite", beside each figure. */
  readonly shortLabel: string;
  /** A fresh, empty Azurite (and database); `stop()` ends both and removes their folders. */
  start(): Promise<RunningAzurite>;
}

/** Stores still running, stopped (folders removed) when the bench is interrupted. */
const running = new Set<RunningAzurite>();
let interruptHandled = false;

function tracked(start: () => Promise<RunningAzurite>): () => Promise<RunningAzurite> {
  if (!interruptHandled) {
    interruptHandled = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`${signal}: stopping the bench's storage servers`);
        void Promise.allSettled([...running].map((r) => r.stop())).then(() => process.exit(130));
      });
    }
  }
  return async () => {
    const started = await start();
    const entry: RunningAzurite = {
      ...started,
      stop: async () => {
        running.delete(entry);
        await started.stop();
      },
    };
    running.add(entry);
    return entry;
  };
}

export const IN_MEMORY_LABEL = 'in-memory Azurite (cost per call grows with the blob count)';

/** Picks the store; with `auto`, says on stderr how to get MariaDB when it is missing. */
export function benchStorage(choice: StorageChoice): BenchStorage {
  const memory: BenchStorage = {
    label: IN_MEMORY_LABEL,
    kind: 'memory',
    shortLabel: 'in-memory Azurite',
    start: tracked(() => startAzurite()),
  };
  if (choice === 'memory') return memory;
  const binaries = findMariadb();
  if (!binaries) {
    if (choice === 'mariadb') throw new Error(`--store mariadb: mariadbd was not found; ${MARIADB_INSTALL_HINT}`);
    console.error(
      `mariadbd not found: measuring on ${IN_MEMORY_LABEL}. To measure on Azurite with MariaDB metadata, ${MARIADB_INSTALL_HINT}.`,
    );
    return memory;
  }
  return {
    label: `Azurite + ${binaries.version} metadata`,
    kind: 'mariadb',
    shortLabel: 'Azurite+MariaDB',
    start: tracked(async () => {
      const db = await startMariadb(binaries);
      try {
        const azurite = await startAzurite({ metadataDb: db.url });
        return {
          ...azurite,
          stop: async () => {
            await azurite.stop();
            await db.stop();
          },
        };
      } catch (error) {
        await db.stop();
        throw error;
      }
    }),
  };
}
