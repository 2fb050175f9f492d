import { createBackendApp } from './backend-app.ts';

// Entry point for `cdk synth|deploy` (cdk.json) and for `npx tsx infra/app.ts`, which
// synthesises to cdk.out offline: the stack is environment-agnostic unless the `account` and
// `region` context values pin it.
const { app } = createBackendApp();
app.synth();
