import { describe, expect, it } from 'vitest';
import { stringifyYaml, toYaml, toYamlStream } from '../../../stack/userdata/node-paths.ts';

const manifest = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'kube-proxy', namespace: 'kube-system' },
  spec: { hostNetwork: true, containers: [{ name: 'kube-proxy', args: ['--v=2', 'on', '0644'] }] },
});

describe('toYaml', () => {
  it('gives the same text as stringifyYaml, first and when an equal value comes again', () => {
    const expected = stringifyYaml(manifest());

    expect(toYaml(manifest())).toBe(expected);
    expect(toYaml(manifest())).toBe(expected);
    expect(expected).toContain('- "on"\n');
  });

  it('tells apart values whose JSON is the same: undefined, NaN, infinities and -0', () => {
    const values = [[null], [undefined], [Number.NaN], [Number.POSITIVE_INFINITY], [0], [-0]];

    for (const value of values) toYaml(value);

    expect(values.map((value) => toYaml(value))).toEqual(
      values.map((value) => stringifyYaml(value)),
    );
    expect(values.map((value) => toYaml(value))).toEqual([
      '- null\n',
      '- null\n',
      '- .nan\n',
      '- .inf\n',
      '- 0\n',
      '- -0\n',
    ]);
  });

  it('keeps key order, so maps with the same entries in another order render as written', () => {
    expect(toYaml({ a: 1, b: 2 })).toBe('a: 1\nb: 2\n');
    expect(toYaml({ b: 2, a: 1 })).toBe('b: 2\na: 1\n');
  });

  it('stays right past its bound, when the first values have been evicted', () => {
    const values = Array.from({ length: 300 }, (_, index) => ({ name: `pod-${index}`, index }));

    for (const value of values) toYaml(value);

    expect(toYaml(values[0])).toBe('name: pod-0\nindex: 0\n');
    expect(toYaml(values[299])).toBe('name: pod-299\nindex: 299\n');
  });

  it('joins several objects as one multi-document stream', () => {
    expect(toYamlStream([{ a: 1 }, { b: [true] }])).toBe('---\na: 1\n---\nb:\n  - true\n');
  });
});
