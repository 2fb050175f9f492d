import { fileURLToPath } from 'node:url';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BackendFunctionName } from './function-specs.ts';

/** The repository root: `functions/`, `package-lock.json` and `node_modules/` live here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** esbuild target matching the Lambda runtime the stack deploys (`nodejs24.x`). */
export const BUNDLE_TARGET = 'node24';

/** The Lambda runtime ships the AWS SDK v3; bundling it would add megabytes per function. */
export const BUNDLE_EXTERNALS = ['@aws-sdk/*'];

/**
 * CommonJS dependencies (node-forge among them) call `require` for Node built-ins, which an ESM
 * bundle lacks; this banner gives them one. The odd alias keeps it clear of bundled names.
 */
export const BUNDLE_BANNER =
  "import { createRequire as kubeAwsCreateRequire } from 'node:module'; " +
  'const require = kubeAwsCreateRequire(import.meta.url);';

/** Where the handler of a function lives; the bundle exports it as `index.handler`. */
export function resolveHandlerEntry(name: BackendFunctionName, root = PROJECT_ROOT): string {
  return `${root.replace(/\/$/, '')}/functions/${name}/handler.ts`;
}

/**
 * Bundling options for every NodejsFunction. `bench/functions-bench.ts` builds with the same
 * values through `toEsbuildOptions`, so what it measures is what Lambda loads.
 */
export function createBundlingOptions(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: BUNDLE_TARGET,
    minify: true,
    sourceMap: true,
    // Source text in the map would double the artefact for no runtime benefit.
    sourcesContent: false,
    externalModules: BUNDLE_EXTERNALS,
    mainFields: ['module', 'main'],
    banner: BUNDLE_BANNER,
  };
}

/** The same build as `createBundlingOptions`, expressed for esbuild's JavaScript API. */
export function toEsbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: BUNDLE_EXTERNALS,
    mainFields: ['module', 'main'],
    banner: { js: BUNDLE_BANNER },
    logLevel: 'silent' as const,
  };
}
