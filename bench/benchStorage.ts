/**
 * The Blob Storage a benchmark measures against: Azurite with its blob metadata in a throw-away
 * MariaDB when `mariadbd` is installed (its cost per call stays flat as blobs accumulate, as Azure
 * Storage's does), else in-memory Azurite (which scans every blob of the account on each call), or a
 * real storage account (`--store azure`, connection string in BENCH_STORAGE_CONNECTION_STRING; the
 * bench writes into containers of its own and deletes them at the end), with a label that says which,
 * for every figure printed.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { startAzurite, type RunningAzurite } from '../test/support/azuriteProcess';
import { findMariadb, MARIADB_INSTALL_HINT, startMariadb } from '../test/support/mariadbProcess';

export type StorageChoice = 'auto' | 'mariadb' | 'memory' | 'azure';

export const STORAGE_CHOICES: readonly StorageChoice[] = ['auto', 'mariadb', 'memory', 'azure'];

/** The environment variable `--store azure` reads (a bench option, not an app setting). */
export const AZURE_CONNECTION_VARIABLE = 'BENCH_STORAGE_CONNECTION_STRING';

/** `--store <value>`, checked, with what each choice means when it is wrong. */
export function storageChoice(value: string): StorageChoice {
  if ((STORAGE_CHOICES as readonly string[]).includes(value)) return value as StorageChoice;
  throw new Error(
    `--store ${value}: use auto (MariaDB when installed), mariadb, memory, or azure (a real storage account whose connection string is in ${AZURE_CONNECTION_VARIABLE})`,
  );
}

/** A store to measure against; the containers are the bench's own (on a real account, made unique). */
export interface RunningStore extends RunningAzurite {
  readonly containers: { readonly states: string; readonly reference: string };
}

export interface BenchStorage {
  /** Says what every figure was measured on, e.g. "Azurite + MariaDB 10.11.19 metadata". */
  readonly label: string;
  readonly kind: 'mariadb' | 'memory' | 'azure';
  /** "Azurite+MariaDB", "in-memory Azurite" or "Azure Storage", beside each figure. */
  readonly shortLabel: string;
  /**
   * A fresh, empty Azurite (and database), or fresh containers in the real account; `stop()` ends both
   * and removes their folders, or deletes the containers.
   */
  start(): Promise<RunningStore>;
}

const AZURITE_CONTAINERS = { states: 'aml-triggers', reference: 'bench-reference' } as const;

/** Stores still running, stopped (folders removed) when the bench is interrupted. */
const running = new Set<RunningStore>();
let interruptHandled = false;

function tracked(start: () => Promise<RunningStore>): () => Promise<RunningStore> {
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
    const entry: RunningStore = {
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
    start: tracked(async () => ({ ...(await startAzurite()), containers: AZURITE_CONTAINERS })),
  };
  if (choice === 'memory') return memory;
  if (choice === 'azure') return azureStorage();
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
          containers: AZURITE_CONTAINERS,
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

/**
 * A real storage account. Figures include the network between this machine and the account: run the
 * bench in the account's region (as the function app runs) for figures that say what a deployed tick
 * costs. Each size writes its states into a container of its own, deleted at the end (also on Ctrl-C).
 */
function azureStorage(): BenchStorage {
  const connectionString = process.env[AZURE_CONNECTION_VARIABLE];
  if (!connectionString)
    throw new Error(
      `--store azure: set ${AZURE_CONNECTION_VARIABLE} to the connection string of a storage account the bench may write to (it creates and deletes containers named aml-triggers-bench-*)`,
    );
  const service = BlobServiceClient.fromConnectionString(connectionString);
  return {
    label: `Azure Storage (account ${service.accountName}; figures include the network from this machine)`,
    kind: 'azure',
    shortLabel: 'Azure Storage',
    start: tracked(async () => {
      const id = randomBytes(4).toString('hex');
      const containers = { states: `aml-triggers-bench-${id}`, reference: `aml-triggers-bench-${id}-ref` };
      return {
        connectionString,
        blobEndpoint: service.url,
        containers,
        stop: async () => {
          await Promise.all(Object.values(containers).map((name) => service.getContainerClient(name).deleteIfExists()));
        },
      };
    }),
  };
}
