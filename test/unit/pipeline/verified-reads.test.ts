import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { IntegrityError, NotFoundError } from '../../../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../../../lib/hash.ts';
import { logger } from '../../../lib/logger.ts';
import { readVerifiedText } from '../../../lib/read-verified-object.ts';
import { startApplyStep } from '../../../pipeline/apply-step.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import { validateStep } from '../../../pipeline/validate-step.ts';
import type { TaskInput } from '../../../schemas/state-payloads.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';
import { EXAMPLE_YAML, openWorld, type StepWorld } from '../revisions/step-harness.ts';

const TAMPERED = '{"tampered": true}';

describe('readVerifiedText', () => {
  it('returns the text of an object that still has its recorded hash', async () => {
    const store = new MemoryObjectStore();
    await store.put('clusters/demo/templates/x.json', '{"a":1}', 'application/json');

    const text = await readVerifiedText(
      store,
      'clusters/demo/templates/x.json',
      sha256Hex('{"a":1}'),
    );

    expect(text).toBe('{"a":1}');
  });

  it('refuses an object whose bytes no longer have the recorded hash', async () => {
    const store = new MemoryObjectStore();
    await store.put('clusters/demo/templates/x.json', TAMPERED, 'application/json');
    const read = readVerifiedText(store, 'clusters/demo/templates/x.json', sha256Hex('{"a":1}'));

    await expect(read).rejects.toThrow(IntegrityError);
    await expect(read).rejects.toThrow(
      `clusters/demo/templates/x.json must have the recorded sha256 ${sha256Hex('{"a":1}')} ` +
        `(received ${sha256Hex(TAMPERED)}); the object was changed outside the product: ` +
        'submit the cluster again to rewrite it',
    );
  });

  it('reports a missing object as not found', async () => {
    const read = readVerifiedText(new MemoryObjectStore(), 'clusters/demo/inputs/x.yaml', 'f');

    await expect(read).rejects.toThrow(NotFoundError);
    await expect(read).rejects.toThrow(
      'clusters/demo/inputs/x.yaml does not exist in the artefacts store (received no object)',
    );
  });
});

describe('steps reading content-addressed artefacts', () => {
  let dynalite: DynaliteServer;
  let world: StepWorld;

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    dynalite = await startDynalite();
  });
  afterAll(async () => {
    await dynalite?.stop();
  });

  async function submitRevision(): Promise<{ revision: number; input: TaskInput }> {
    world = await openWorld(dynalite);
    const submitted = await submitClusterYaml(
      { body: EXAMPLE_YAML, source: { kind: 'api' }, submitter: 'alice' },
      world.deps,
    );
    const execution = { cluster: 'demo', revision: submitted.revision, correlationId: 'corr-1' };

    return {
      revision: submitted.revision,
      input: { ...execution, step: 'validate', state: execution },
    };
  }

  it('fails Validate on an input rewritten after submission', async () => {
    const { revision, input } = await submitRevision();
    const record = await world.store.get('demo', revision);
    const inputKey = artifactKeys.submittedInput('demo', sha256Hex(EXAMPLE_YAML));
    const rewritten = EXAMPLE_YAML.replace('workerCount: 2', 'workerCount: 9');
    await world.artifacts.put(inputKey, rewritten, 'application/yaml');

    await expect(validateStep(input, world.deps)).rejects.toThrow(
      `${inputKey} must have the recorded sha256 ${record?.inputSha256} ` +
        `(received ${sha256Hex(rewritten)}); the object was changed outside the product: ` +
        'submit the cluster again to rewrite it',
    );
  });

  it('fails Start Apply on a template rewritten after render, and deploys nothing', async () => {
    const { revision, input } = await submitRevision();
    const configKey = artifactKeys.config('demo', revision);
    const config = validateClusterYaml(EXAMPLE_YAML).config;
    await world.artifacts.put(configKey, canonicalJson(config), 'application/json');
    const body = canonicalJson({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
    const templateSha256 = sha256Hex(body);
    const templateKey = artifactKeys.template('demo', templateSha256);
    await world.artifacts.put(templateKey, TAMPERED, 'application/json');
    const applyInput: TaskInput = {
      ...input,
      step: 'start-apply',
      state: {
        ...input.state,
        validation: { configKey, configSha256: sha256Hex(canonicalJson(config)), warnings: 0 },
        render: {
          templateKey,
          templateSha256,
          templateBytes: body.length,
          resourceMapKey: artifactKeys.resourceMap('demo', revision),
          userdataBytes: {},
        },
      },
    };

    await expect(startApplyStep(applyInput, world.deps)).rejects.toThrow(
      `${templateKey} must have the recorded sha256 ${templateSha256} ` +
        `(received ${sha256Hex(TAMPERED)}); the object was changed outside the product: ` +
        'submit the cluster again to rewrite it',
    );
    expect((await world.store.get('demo', revision))?.changeSummary).toBeUndefined();
  });
});
