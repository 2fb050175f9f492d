import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEmbeddedBackend } from '../../../embedded/describe-embedded-backend.ts';

const run = promisify(execFile);
const credentials = { accessKeyId: 'kube-aws-local', secretAccessKey: 'c2VjcmV0' };

describe('describeEmbeddedBackend', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-banner-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prints the curl command, then the header with the token command for this state dir', () => {
    const banner = describeEmbeddedBackend({
      apiUrl: 'http://127.0.0.1:8787',
      s3Endpoint: 'http://127.0.0.1:8788',
      stateDir: '/home/me/work/.local',
      endpointCredentials: credentials,
    });

    expect(banner.split('\n').slice(6, 11)).toEqual([
      'Submit over HTTP:',
      "  curl -X POST --data-binary @examples/cluster.yaml -H 'Content-Type: application/yaml' http://127.0.0.1:8787/clusters",
      "Not on Linux, add this start's token (the kube-aws CLI sends it by itself):",
      `  -H "Authorization: Bearer $(node -p "require('/home/me/work/.local/backend.json').apiToken")"`,
      '',
    ]);
  });

  it.each([
    ['a plain path', 'state'],
    ['quotes, a dollar sign, a backtick and a backslash', `it's "my" $HOME \`x\` a\\b`],
  ])(
    'gives a header that a shell expands to the token of backend.json, for %s',
    async (_title, name) => {
      const stateDir = path.join(root, name);
      await mkdir(stateDir, { recursive: true });
      await writeFile(path.join(stateDir, 'backend.json'), JSON.stringify({ apiToken: 'tok-123' }));
      const banner = describeEmbeddedBackend({
        apiUrl: 'http://127.0.0.1:8787',
        s3Endpoint: 'http://127.0.0.1:8788',
        stateDir,
        endpointCredentials: credentials,
      });
      const header = banner.split('\n').find((line) => line.startsWith('  -H "Authorization'));

      // The node that runs this test is the one the header's command finds first.
      const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` };
      const { stdout } = await run('bash', ['-c', `printf '%s\\n' ${header!.trim().slice(3)}`], {
        env,
      });

      expect(stdout).toBe('Authorization: Bearer tok-123\n');
    },
  );
});
