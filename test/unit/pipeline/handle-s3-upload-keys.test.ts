import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../pipeline/deps.ts';
import { handleS3Upload } from '../../../pipeline/handle-s3-upload.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';

/** Keys outside `clusters/<valid name>/cluster.yaml` start nothing; a bad folder name is answered. */
describe('handleS3Upload with a key that is not a submission', () => {
  const upload = async (key: string) => {
    const submissions = new MemoryObjectStore();
    await submissions.put(key, 'clusterName: demo\n', 'application/yaml');
    // Nothing but the submissions bucket may be touched for these keys.
    const deps = { submissions } as unknown as Deps & { submissions: MemoryObjectStore };
    const outcome = await handleS3Upload(
      { bucket: 'b', key, submitter: 'tester', correlationId: 'c' },
      deps,
    );

    const written = key.endsWith('/cluster.yaml')
      ? await submissions.get(key.replace(/cluster\.yaml$/, 'validation.json'))
      : undefined;

    return {
      outcome,
      keys: await submissions.list(''),
      answer: written === undefined ? undefined : JSON.parse(Buffer.from(written).toString('utf8')),
    };
  };

  it('writes validation.json beside clusters/Bad_Name/cluster.yaml naming the rule', async () => {
    const { outcome, keys, answer } = await upload('clusters/Bad_Name/cluster.yaml');

    expect(outcome).toEqual({ outcome: 'rejected', cluster: 'Bad_Name', code: 'VALIDATION' });
    expect(keys.sort()).toEqual([
      'clusters/Bad_Name/cluster.yaml',
      'clusters/Bad_Name/validation.json',
    ]);
    const message =
      'clusters/Bad_Name/ must be named after a valid clusterName: a letter, then letters, digits and hyphens (received Bad_Name); upload to clusters/<clusterName>/cluster.yaml';
    expect(answer).toEqual({
      valid: false,
      errors: [
        {
          file: 'cluster.yaml',
          line: 0,
          column: 0,
          path: 'clusterName',
          rule: 'invalid-upload-folder',
          message,
        },
      ],
      warnings: [],
      error: { code: 'VALIDATION', message },
    });
  });

  it.each([
    'clusters/../cluster.yaml',
    'clusters/a/b/cluster.yaml',
    'clusters/%2e%2e/cluster.yaml',
    'clusters/a..b/cluster.yaml',
    'uploads/demo/cluster.yaml',
    'clusters/demo/notes.txt',
  ])('writes nothing for %s', async (key) => {
    const { outcome, keys } = await upload(key);

    expect(outcome).toEqual({ outcome: 'ignored', reason: 'not a cluster.yaml key' });
    expect(keys).toEqual([key]);
  });

  it('ignores its own validation.json without a warning', async () => {
    expect((await upload('clusters/Bad_Name/validation.json')).outcome).toEqual({
      outcome: 'ignored',
      reason: 'own answer file',
    });
  });
});

describe('handleS3Upload with an oversized upload', () => {
  it('answers with validation.json naming the size and reads no further', async () => {
    const submissions = new MemoryObjectStore();
    const key = 'clusters/big/cluster.yaml';
    await submissions.put(key, `clusterName: big\n${'#'.repeat(300 * 1024)}\n`, 'application/yaml');
    // Refused before submit: nothing but the submissions bucket may be touched.
    const deps = { submissions } as unknown as Deps & { submissions: MemoryObjectStore };

    const outcome = await handleS3Upload(
      { bucket: 'b', key, submitter: 'tester', correlationId: 'c' },
      deps,
    );

    expect(outcome).toEqual({ outcome: 'rejected', cluster: 'big', code: 'VALIDATION' });
    const written = await submissions.get('clusters/big/validation.json');
    expect(JSON.parse(Buffer.from(written!).toString('utf8'))).toEqual({
      valid: false,
      errors: [
        {
          file: 'cluster.yaml',
          line: 0,
          column: 0,
          path: '',
          rule: 'file-too-large',
          message: 'cluster.yaml must be at most 262144 bytes (received 307218 bytes)',
        },
      ],
      warnings: [],
      error: {
        code: 'VALIDATION',
        message: 'clusters/big/cluster.yaml must be at most 262144 bytes (received 307218)',
      },
    });
  });
});
