import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendUnreachableError } from '../../../cli/backend-session.ts';
import { describeLostBackend } from '../../../cli/up-command.ts';
import { captureIo } from './capture-io.ts';

const RUN = { cluster: 'demo', revision: 4 };
const refused = new BackendUnreachableError('unused', 'connection refused');
const session = { apiUrl: 'http://127.0.0.1:8787', description: 'x', close: async () => {} };

describe('describeLostBackend', () => {
  it('names the state dir that serve used and the history command that reads it', () => {
    const io = captureIo({ KUBE_AWS_STATE_DIR: '/tmp/kube-aws-state' });

    expect(describeLostBackend(refused, session, RUN, {}, io)).toBe(
      "the backend at http://127.0.0.1:8787 stopped while following revision 4 of cluster demo (received connection refused); the run's final status is recorded in the state dir /tmp/kube-aws-state: read it with kube-aws history demo",
    );
  });

  it('repeats --state-dir in the history command when up was given it', () => {
    const io = captureIo();

    expect(describeLostBackend(refused, session, RUN, { 'state-dir': 'st' }, io)).toBe(
      `the backend at http://127.0.0.1:8787 stopped while following revision 4 of cluster demo (received connection refused); the run's final status is recorded in the state dir ${path.resolve(io.cwd, 'st')}: read it with kube-aws history demo --state-dir st`,
    );
  });

  it('sends a backend given by --api back to that backend, once it answers', () => {
    const remote = { ...session, apiUrl: 'http://127.0.0.1:9000' };

    expect(
      describeLostBackend(refused, remote, RUN, { api: 'http://127.0.0.1:9000/' }, captureIo()),
    ).toBe(
      "the backend at http://127.0.0.1:9000 stopped while following revision 4 of cluster demo (received connection refused); the run's final status is recorded by that backend: read it with kube-aws history demo --api http://127.0.0.1:9000/ once it answers again",
    );
  });
});
