#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx kube-aws` works right after `npm ci` with no build.
// Everything is imported dynamically, after the version check: on an older Node the product fails
// midway through a run (Promise.withResolvers and other 22.x APIs), so refuse before it starts.
const MINIMUM = [22, 12];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  process.stderr.write(
    `kube-aws: Node.js ${MINIMUM.join('.')} or newer is required (received ${process.versions.node}); put Node 22 first on PATH, see README\n`,
  );
  process.exit(2);
}

const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
