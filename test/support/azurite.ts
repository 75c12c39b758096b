/**
 * Access, from inside a test, to the Azurite the global setup started (see azuriteProcess.ts).
 * Tests use their own container names so they never collide.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

export { AZURITE_ACCOUNT, AZURITE_KEY, connectionStringFor } from './azuriteProcess';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteBlobEndpoint: string;
    azuriteConnectionString: string;
  }
}

/** Connection string of the Azurite the global setup started. */
export function azuriteConnectionString(): string {
  return inject('azuriteConnectionString');
}

export function azuriteBlobEndpoint(): string {
  return inject('azuriteBlobEndpoint');
}

/** A container name no other test uses (lowercase, 3-63 chars). */
export function uniqueContainerName(prefix = 't'): string {
  return `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 20)}`.toLowerCase();
}
