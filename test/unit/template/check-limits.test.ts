import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.ts';
import { canonicalJson } from '../../../lib/hash.ts';
import {
  checkTemplateSize,
  largestContributors,
  TEMPLATE_URL_LIMIT_BYTES,
} from '../../../stack/template/check-limits.ts';

function padded(bytes: number) {
  return { Type: 'AWS::EC2::LaunchTemplate', Properties: { UserData: 'x'.repeat(bytes) } };
}

const overhead = canonicalJson(padded(0)).length;

describe('largestContributors', () => {
  it('lists resources by serialised size, largest first, ties by logical id', () => {
    const template = {
      Resources: { Small: padded(10), Big: padded(500), AlsoBig: padded(500), Mid: padded(100) },
    };

    expect(largestContributors(template, 3)).toEqual([
      { logicalId: 'AlsoBig', bytes: overhead + 500 },
      { logicalId: 'Big', bytes: overhead + 500 },
      { logicalId: 'Mid', bytes: overhead + 100 },
    ]);
  });
});

describe('checkTemplateSize', () => {
  it('returns the byte size of a template within the limit', () => {
    const template = { Resources: { A: padded(10) } };

    expect(checkTemplateSize(template)).toBe(Buffer.byteLength(canonicalJson(template)));
  });

  it('rejects a template over 1,000,000 bytes naming its five largest resources', () => {
    const resources: Record<string, unknown> = {};
    for (let index = 0; index < 7; index += 1) resources[`Pool${index}`] = padded(150_000 + index);
    const template = { Resources: resources };
    const bytes = Buffer.byteLength(canonicalJson(template));

    expect(TEMPLATE_URL_LIMIT_BYTES).toBe(1_000_000);
    expect(() => checkTemplateSize(template)).toThrowError(
      new ValidationError(
        `stack template must be at most 1000000 bytes (received ${bytes} bytes; largest ` +
          `resources: Pool6 ${overhead + 150_006}, Pool5 ${overhead + 150_005}, ` +
          `Pool4 ${overhead + 150_004}, Pool3 ${overhead + 150_003}, Pool2 ${overhead + 150_002}); ` +
          'use fewer node pools or offload userdata',
      ),
    );
  });
});
