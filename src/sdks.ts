/**
 * The heavy SDKs, each loaded when a code path first needs it instead of when the Functions worker loads
 * the app. On the Flex Consumption plan the app starts from zero for the event that woke it, so what the
 * entry points load at start-up is paid by every cold first answer; a tick with no reactive schedule never
 * needs the ARM client, a health probe never needs Azure ML (figures: docs/performance.md).
 *
 * Code imports their types with `import type` and their values through these getters (Node caches the
 * module after the first call). test/performance/startup.test.ts fails when one of them is loaded at
 * start-up again.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as ArmMachineLearning from '@azure/arm-machinelearning';
import type * as Identity from '@azure/identity';
import type * as StorageBlob from '@azure/storage-blob';
import type * as ApplicationInsights from 'applicationinsights';

/**
 * What the app uses of each SDK, and nothing more: in dist/app.js each SDK comes from its own file beside
 * the app (dist/sdk-identity.js etc., sharing dist/sdk-core.js; scripts/bundle.mjs), built from the SDK's
 * ES module build and holding only these exports and what they reach. The getters' types allow only these
 * names, so code that needs another export fails to compile until it is added here (and so to the file).
 */
export const SDK_EXPORTS = {
  identity: ['AzureCliCredential', 'DefaultAzureCredential', 'ManagedIdentityCredential'],
  storageBlob: ['BlobServiceClient'],
  armMachineLearning: ['AzureMachineLearningWorkspaces'],
} as const;
type Picked<Module, Key extends keyof typeof SDK_EXPORTS> = Pick<
  Module,
  (typeof SDK_EXPORTS)[Key][number] & keyof Module
>;

/**
 * `true` in dist/app.js (scripts/bundle.mjs defines it), where the SDKs come from dist/sdk-*.js: one file to
 * read instead of 150-280 modules to resolve and read on the first answer that needs it. Undeclared
 * elsewhere (tsc's dist/src for the CLI, tests run from src), where the packages load from node_modules.
 */
declare const SDK_BUNDLES: boolean | undefined;
const bundled = typeof SDK_BUNDLES !== 'undefined' && SDK_BUNDLES;

export const sdks = {
  identity: (): Picked<typeof Identity, 'identity'> =>
    bundled ? require('./sdk-identity.js') : require('@azure/identity'),
  storageBlob: (): Picked<typeof StorageBlob, 'storageBlob'> =>
    bundled ? require('./sdk-storage.js') : require('@azure/storage-blob'),
  armMachineLearning: (): Picked<typeof ArmMachineLearning, 'armMachineLearning'> =>
    bundled ? require('./sdk-arm.js') : require('@azure/arm-machinelearning'),
  applicationInsights: (): typeof ApplicationInsights => require('applicationinsights'),
};

/**
 * Package names of the SDKs above: none is loaded by the app's entry points (in dist/app.js the first three
 * come from dist/sdk-*.js; dist/sdk-bundles.json names the packages in each file).
 */
export const LAZY_SDK_PACKAGES = [
  '@azure/identity',
  '@azure/storage-blob',
  '@azure/arm-machinelearning',
  'applicationinsights',
] as const;
