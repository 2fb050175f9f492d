import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PROJECT_ROOT,
  resolveHandlerEntry,
  toEsbuildOptions,
} from '../../infra/function-bundling.ts';
import { BACKEND_FUNCTIONS, type BackendFunctionName } from '../../infra/function-specs.ts';

/** Local-mode emulators, the embedded preview and CDK itself: never part of a Lambda function. */
const FORBIDDEN_PACKAGES = [
  '@aws-cdk/cloudformation-diff',
  'aws-cdk-lib',
  'constructs',
  'aws-local-stepfunctions',
  's3rver',
  'dynalite',
];

type Output = Metafile['outputs'][string];

const outputs = new Map<BackendFunctionName, Output>();

// The same esbuild options as the CDK app, kept in memory: only the import graph matters here.
beforeAll(async () => {
  for (const name of BACKEND_FUNCTIONS) {
    const outfile = join(PROJECT_ROOT, 'cdk.out', 'imports-check', name, 'index.mjs');
    const result = await build({
      ...toEsbuildOptions(resolveHandlerEntry(name), outfile),
      metafile: true,
      write: false,
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
    if (output === undefined) throw new Error(`${name} bundle has no entry point output`);
    outputs.set(name, output);
  }
}, 300_000);

function packagesOf(output: Output): Set<string> {
  return new Set(
    Object.keys(output.inputs).flatMap((path) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      return match?.[1] === undefined ? [] : [match[1]];
    }),
  );
}

describe('function bundle imports', () => {
  for (const name of BACKEND_FUNCTIONS) {
    it(`loads no AWS SDK module when ${name} is imported, only on first use`, () => {
      const sdkImports = outputs.get(name)?.imports.filter((i) => i.path.startsWith('@aws-sdk/'));

      expect(sdkImports?.filter((i) => i.kind !== 'dynamic-import')).toEqual([]);
      expect(sdkImports?.every((i) => i.external)).toBe(true);
    });

    it(`bundles no emulator, preview or CDK package into ${name}`, () => {
      const packages = packagesOf(outputs.get(name) as Output);

      expect(FORBIDDEN_PACKAGES.filter((pkg) => packages.has(pkg))).toEqual([]);
    });
  }

  it('sees the S3 client as a lazy import of the render function', () => {
    const lazy = outputs
      .get('render')
      ?.imports.filter((i) => i.kind === 'dynamic-import')
      .map((i) => i.path);

    expect(lazy).toContain('@aws-sdk/client-s3');
  });
});
