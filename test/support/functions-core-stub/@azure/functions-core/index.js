'use strict';
/**
 * Stand-in for the `@azure/functions-core` module the Azure Functions Node.js worker injects at runtime
 * (Azure/azure-functions-nodejs-worker types-core/index.d.ts, src/coreApi/*). It records what
 * `@azure/functions` (dist/azure-functions.js: tryGetCoreApiLazy) hands it while the app loads:
 * `setProgrammingModel` (called before the first registration), `registerFunction(metadata, callback)`,
 * `registerHook(name, callback)` and `log(level, category, message)`. Like the worker, registration is
 * only allowed during start-up: once the loader marks start-up finished, a registration throws.
 * Used through NODE_PATH by test/support/functions-core-stub/load-app.js; never shipped.
 */

class Disposable {
  constructor(callOnDispose) {
    this._callOnDispose = callOnDispose;
  }
  static from(...inputs) {
    return new Disposable(() => {
      for (const input of inputs) input.dispose();
    });
  }
  dispose() {
    if (this._callOnDispose) {
      this._callOnDispose();
      this._callOnDispose = undefined;
    }
  }
}

const recorded = {
  programmingModel: undefined,
  functions: [],
  hooks: [],
  logs: [],
  duplicates: [],
  late: [],
  finishedStartup: false,
  /** Not serialised: each function's callback by name, for drivers that invoke them (bench/coldstart/child.cjs). */
  callbacks: new Map(),
};

function registerFunction(metadata, callback) {
  if (typeof callback !== 'function')
    throw new Error(`registerFunction: callback for "${metadata && metadata.name}" is not a function`);
  if (recorded.finishedStartup) {
    recorded.late.push(metadata.name);
    throw new Error('A function can only be registered during app startup.');
  }
  if (recorded.functions.some((f) => f.name === metadata.name)) recorded.duplicates.push(metadata.name);
  const entry = JSON.parse(JSON.stringify(metadata));
  recorded.functions.push(entry);
  recorded.callbacks.set(metadata.name, callback);
  return new Disposable(() => {
    const index = recorded.functions.indexOf(entry);
    if (index >= 0) recorded.functions.splice(index, 1);
  });
}

function registerHook(hookName, callback) {
  if (typeof callback !== 'function') throw new Error(`registerHook: callback for "${hookName}" is not a function`);
  const entry = { hookName };
  Object.defineProperty(entry, 'callback', { value: callback, enumerable: false });
  recorded.hooks.push(entry);
  return new Disposable(() => {
    const index = recorded.hooks.indexOf(entry);
    if (index >= 0) recorded.hooks.splice(index, 1);
  });
}

function setProgrammingModel(model) {
  recorded.programmingModel = model;
}

function getProgrammingModel() {
  return recorded.programmingModel;
}

function log(level, category, message) {
  recorded.logs.push({ level, category, message: String(message) });
}

module.exports = {
  version: '3.12.0-stub',
  hostVersion: '4.1000.0-stub',
  Disposable,
  registerFunction,
  registerHook,
  setProgrammingModel,
  getProgrammingModel,
  log,
  /** Not part of the real module: what the loader reads back. */
  __recorded: recorded,
};
