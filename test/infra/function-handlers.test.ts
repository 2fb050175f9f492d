import { describe, expect, it } from 'vitest';
import { resolveHandlerEntry } from '../../infra/function-bundling.ts';
import { BACKEND_FUNCTIONS } from '../../infra/function-specs.ts';
import { createPlaceholderEnvironment } from '../../infra/placeholder-environment.ts';

// Lambda loads `index.handler` from each bundle, and the bundle's `handler` export is the
// source module's `handler` export: the source module must export a function by that name.
describe('function handlers', () => {
  Object.assign(process.env, createPlaceholderEnvironment());

  for (const name of BACKEND_FUNCTIONS) {
    it(`exports a handler function from functions/${name}/handler.ts`, async () => {
      const module = (await import(resolveHandlerEntry(name))) as { handler?: unknown };

      expect(typeof module.handler).toBe('function');
    });
  }
});
