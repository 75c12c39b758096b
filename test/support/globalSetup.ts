import type { TestProject } from 'vitest/node';
import { startAzurite, type RunningAzurite } from './azuriteProcess';

let azurite: RunningAzurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide('azuriteBlobEndpoint', azurite.blobEndpoint);
  project.provide('azuriteConnectionString', azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
