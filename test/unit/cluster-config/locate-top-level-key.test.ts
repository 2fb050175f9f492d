import { describe, expect, it } from 'vitest';
import { locateTopLevelKey } from '../../../cluster-config/locate-top-level-key.ts';

describe('locateTopLevelKey', () => {
  it('finds a top-level key in text and in bytes with a BOM', () => {
    const text = '# demo\nregion: us-east-1\n  \nclusterName: demo\n';
    expect(locateTopLevelKey(text, 'clusterName')).toEqual({ line: 4, column: 1 });
    const bytes = new TextEncoder().encode(`\uFEFF${text}`);
    expect(locateTopLevelKey(bytes, 'clusterName')).toEqual({ line: 4, column: 1 });
  });

  it('ignores a nested key of the same name and answers undefined when the key is absent', () => {
    const text = 'stackTags:\n  clusterName: x\n';
    expect(locateTopLevelKey(text, 'clusterName')).toBeUndefined();
  });
});
