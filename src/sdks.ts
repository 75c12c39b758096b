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

export const sdks = {
  identity: (): typeof Identity => require('@azure/identity'),
  storageBlob: (): typeof StorageBlob => require('@azure/storage-blob'),
  armMachineLearning: (): typeof ArmMachineLearning => require('@azure/arm-machinelearning'),
  applicationInsights: (): typeof ApplicationInsights => require('applicationinsights'),
};

/** Package names of the SDKs above: none is loaded by the app's entry points. */
export const LAZY_SDK_PACKAGES = [
  '@azure/identity',
  '@azure/storage-blob',
  '@azure/arm-machinelearning',
  'applicationinsights',
] as const;
