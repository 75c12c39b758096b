/**
 * The registration harness works on the currently built app: it finds the files package.json `main`
 * globs, loads them with the stand-in @azure/functions-core, and reports well-formed function metadata.
 * Per-function binding assertions live with the functions' own tests.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT, bindingOfType, ensureBuilt, loadApp, loadRegistrations, triggerOf } from '../support/registration';

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

describe('registration harness', () => {
  it('loads the built app through package.json main and reports well-formed registrations', async () => {
    const loaded = await loadApp();
    // One bundle (scripts/bundle.mjs): index.js first, then the function modules, as the worker loaded them.
    expect(loaded.files).toEqual(['dist/app.js']);
    expect(loaded.errors).toEqual([]);
    const functions = await loadRegistrations();
    expect(Array.isArray(functions)).toBe(true);
    for (const fn of functions) {
      expect(fn.name).toMatch(/^[A-Za-z][A-Za-z0-9_-]*$/);
      const bindings = Object.values(fn.bindings);
      expect(bindings.length).toBeGreaterThan(0);
      for (const binding of bindings) {
        expect(typeof binding.type).toBe('string');
        expect(['in', 'out', 'inout']).toContain(binding.direction);
      }
      // Exactly one trigger per function.
      expect(bindings.filter((b) => /Trigger$/.test(b.type)).length).toBe(1);
    }
    if (functions.length > 0) expect(loaded.programmingModel?.name).toBe('@azure/functions');
  });

  describe('on a throwaway app', () => {
    let root: string;
    const write = (files: Record<string, string>, main: string): void => {
      root = mkdtempSync(join(tmpdir(), 'reg-app-'));
      mkdirSync(join(root, 'node_modules', '@azure'), { recursive: true });
      symlinkSync(
        join(APP_ROOT, 'node_modules', '@azure', 'functions'),
        join(root, 'node_modules', '@azure', 'functions'),
        'dir',
      );
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'x', main }));
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(root, name, '..'), { recursive: true });
        writeFileSync(join(root, name), text);
      }
    };

    it('records http, timer and blob bindings and retry options exactly as registerFunction got them', async () => {
      write(
        {
          'out/index.js': "require('@azure/functions').app.setup({ enableHttpStream: false });",
          'out/functions/a.js': `const { app } = require('@azure/functions');
            app.http('submit', { route: 'runs/{target}', methods: ['POST'], authLevel: 'function', handler: async () => ({}) });
            app.timer('tick', { schedule: '0 */1 * * * *', retry: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 1000 }, handler: async () => {} });`,
          'out/functions/b.js': `const { app } = require('@azure/functions');
            app.storageBlob('landed', { path: 'in/{name}', connection: 'Landing', source: 'EventGrid', handler: async () => {} });`,
          'out/functions/ignored.txt': 'not js',
        },
        'out/{index.js,functions/*.js}',
      );
      try {
        const functions = await loadRegistrations({ root });
        expect(functions.map((f) => f.name)).toEqual(['submit', 'tick', 'landed']);
        const [submit, tick, landed] = functions;
        if (!submit || !tick || !landed) throw new Error('missing registrations');
        expect(triggerOf(submit)).toMatchObject({
          type: 'httpTrigger',
          direction: 'in',
          route: 'runs/{target}',
          methods: ['POST'],
          authLevel: 'function',
        });
        expect(bindingOfType(submit, 'http')).toMatchObject({ direction: 'out' });
        expect(triggerOf(tick)).toMatchObject({ type: 'timerTrigger', direction: 'in', schedule: '0 */1 * * * *' });
        expect(tick.retryOptions).toMatchObject({ retryStrategy: 'fixedDelay', maxRetryCount: 2 });
        expect(triggerOf(landed)).toMatchObject({
          type: 'blobTrigger',
          direction: 'in',
          path: 'in/{name}',
          connection: 'Landing',
          source: 'EventGrid',
        });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('reports a main glob that matches nothing, duplicate names and late registrations', async () => {
      write({ 'dist/index.js': '' }, 'build/{index.js,functions/*.js}');
      try {
        await expect(loadRegistrations({ root })).rejects.toThrow(/matched no built file/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      write(
        {
          'a.js': `const { app } = require('@azure/functions');
            const h = async () => ({});
            app.http('same', { handler: h });
            app.http('same', { handler: h });
            setTimeout(() => { try { app.http('later', { handler: h }); } catch {} }, 10);`,
        },
        'a.js',
      );
      try {
        const loaded = await loadApp({ root });
        expect(loaded.duplicates).toEqual(['same']);
        expect(loaded.late).toEqual(['later']);
        await expect(loadRegistrations({ root })).rejects.toThrow(/more than once[\s\S]*after start-up/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
