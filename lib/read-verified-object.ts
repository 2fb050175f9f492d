import type { ObjectStore } from '../ports/object-store.ts';
import { IntegrityError, NotFoundError } from './errors.ts';
import { sha256Hex } from './hash.ts';

/**
 * Reads an object whose sha256 the product recorded when it wrote it (a content-addressed input,
 * template or userdata, or a revision's object whose hash travels in the state payload), and
 * refuses it when the bytes no longer hash to that value: whoever can write the bucket must not be
 * able to change what a later step or reader trusts.
 */
export async function readVerifiedObject(
  store: Pick<ObjectStore, 'get'>,
  key: string,
  expectedSha256: string,
): Promise<Uint8Array> {
  const body = await store.get(key);
  if (body === undefined) {
    throw new NotFoundError(`${key} does not exist in the artefacts store (received no object)`);
  }
  const actual = sha256Hex(body);
  if (actual !== expectedSha256) {
    throw new IntegrityError(
      `${key} must have the recorded sha256 ${expectedSha256} (received ${actual}); ` +
        'the object was changed outside the product: submit the cluster again to rewrite it',
    );
  }

  return body;
}

/** `readVerifiedObject` for a UTF-8 text object. */
export async function readVerifiedText(
  store: Pick<ObjectStore, 'get'>,
  key: string,
  expectedSha256: string,
): Promise<string> {
  return Buffer.from(await readVerifiedObject(store, key, expectedSha256)).toString('utf8');
}
