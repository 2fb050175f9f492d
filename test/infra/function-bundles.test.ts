import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/function-bundling.ts';
import { BACKEND_FUNCTIONS } from '../../infra/function-specs.ts';
import { createPlaceholderEnvironment } from '../../infra/placeholder-environment.ts';
import { type SynthesisedBackend, synthesiseBackend } from './synthesise-backend.ts';

// The one synthesis that really runs esbuild for every function. The assembly sits under the
// project so the bundles resolve the external @aws-sdk packages as the Lambda runtime would.
let backend: SynthesisedBackend;

beforeAll(() => {
  mkdirSync(join(PROJECT_ROOT, 'cdk.out'), { recursive: true });
  const outdir = mkdtempSync(join(PROJECT_ROOT, 'cdk.out', 'test-bundles-'));
  backend = synthesiseBackend({ bundle: true, outdir });
}, 300_000);

afterAll(() => {
  if (backend !== undefined) rmSync(backend.outdir, { recursive: true, force: true });
});

describe('function bundles', () => {
  Object.assign(process.env, createPlaceholderEnvironment());

  for (const name of BACKEND_FUNCTIONS) {
    it(`bundles ${name} into an index.mjs whose handler export is a function`, async () => {
      const fn = backend.json.Resources[backend.functionIds[name]]!;
      const assetPath = fn.Metadata?.['aws:asset:path'] as string;
      const bundle = join(backend.outdir, assetPath, 'index.mjs');

      expect(fn.Properties.Handler).toBe('index.handler');
      expect(existsSync(`${bundle}.map`)).toBe(true);
      const module = (await import(pathToFileURL(bundle).href)) as { handler?: unknown };
      expect(typeof module.handler).toBe('function');
    });
  }
});
