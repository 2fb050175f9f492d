import { describe, expect, it } from 'vitest';
import { describeNameInZone, isDnsName } from '../../../cluster-config/rules/dns-rules.ts';
import { findDeepNesting, findInvalidUtf8 } from '../../../cluster-config/scan-source-text.ts';
import { createSourceLocator, formatPath } from '../../../cluster-config/yaml-source.ts';

describe('formatPath', () => {
  it('writes list indexes in brackets and keys with dots', () => {
    expect(formatPath(['subnets', 1, 'instanceCIDR'])).toBe('subnets[1].instanceCIDR');
    expect(formatPath([])).toBe('');
  });
});

describe('SourceLocator', () => {
  const locator = createSourceLocator('a: 1\nsubnets:\n  - zone: x\n    cidr:   10.0.0.0/24\n');

  it('finds the key and the value of a nested path', () => {
    expect(locator.locate(['subnets', 0, 'cidr'], 'key')).toEqual({ line: 4, column: 5 });
    expect(locator.locate(['subnets', 0, 'cidr'], 'value')).toEqual({ line: 4, column: 13 });
  });

  it('knows which keys were written', () => {
    expect([locator.has(['a']), locator.has(['subnets', 1]), locator.has(['b'])]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('findDeepNesting', () => {
  it('counts brackets inside quotes and comments, so no apostrophe can hide them', () => {
    const text = `# don't\nx: ${'['.repeat(40)}${']'.repeat(40)}\n`;
    expect(findDeepNesting(text, 32)).toEqual({
      what: 'brackets',
      position: { line: 2, column: 36 },
    });
  });

  it('finds compact nested list items at the start of a line', () => {
    expect(findDeepNesting(`x:\n${'- '.repeat(33)}a\n`, 32)).toEqual({
      what: 'list items',
      position: { line: 2, column: 65 },
    });
  });

  it('passes ordinary nesting, balanced brackets across lines and quoted brackets', () => {
    const text = 'a: [[1], [2]]\nb: "[[[["\nc: [\n  [x]]\n- - - d\n';
    expect(findDeepNesting(text, 32)).toBeUndefined();
    expect(findDeepNesting(text, 5)).toEqual({
      what: 'brackets',
      position: { line: 4, column: 3 },
    });
  });
});

describe('findInvalidUtf8', () => {
  it.each([
    [[0x61, 0xc3, 0xa9], -1],
    [[0x61, 0xe9, 0x62], 1],
    [[0xc0, 0x80], 0],
    [[0xed, 0xa0, 0x80], 0],
    [[0xf0, 0x9f, 0x98, 0x80], -1],
    [[0x61, 0xf0, 0x9f], 1],
  ])('finds the first bad byte of %j at %i', (bytes, offset) => {
    expect(findInvalidUtf8(Uint8Array.from(bytes))).toBe(offset);
  });
});

describe('DNS names', () => {
  it('places a name at the apex, inside or outside a zone, label by label', () => {
    expect([
      describeNameInZone('Example.COM.', 'example.com.'),
      describeNameInZone('api.example.com', 'example.com.'),
      describeNameInZone('api.badexample.com', 'example.com.'),
      describeNameInZone('com', 'example.com.'),
    ]).toEqual(['apex', 'inside', 'outside', 'outside']);
  });

  it('accepts letters, digits and inner hyphens in labels of at most 63 characters', () => {
    expect([
      isDnsName('api.example.com'),
      isDnsName('api-1.example.com.'),
      isDnsName('-api.example.com'),
      isDnsName('api..example.com'),
      isDnsName(`${'a'.repeat(64)}.com`),
    ]).toEqual([true, true, false, false, false]);
  });
});
