/**
 * Counts storage requests by operation, so benchmarks and tests can check that work is proportional to
 * what was asked for (e.g. a timer tick touches the due schedules only). One `record` per request the
 * app makes (a listing page counts once); SDK-internal retries of one request are not counted.
 */
/** `batch`: one Blob Batch request (several deletes in one request). */
export type StorageOperation = 'read' | 'create' | 'replace' | 'upsert' | 'delete' | 'list' | 'container' | 'batch';

export class OperationCounter {
  private readonly counts = new Map<StorageOperation, number>();

  record(operation: StorageOperation): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  /** All requests recorded since construction or the last `reset()`. */
  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  count(operation: StorageOperation): number {
    return this.counts.get(operation) ?? 0;
  }

  snapshot(): Readonly<Partial<Record<StorageOperation, number>>> {
    return Object.fromEntries(this.counts) as Partial<Record<StorageOperation, number>>;
  }

  reset(): void {
    this.counts.clear();
  }
}
