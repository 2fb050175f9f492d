#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx kube-aws` works right after `npm ci` with no build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
