import { createSourceLocator, type Position } from './yaml-source.ts';

/**
 * The line and column of a top-level key in a cluster.yaml, for findings made outside the
 * validation (the upload folder naming another cluster than `clusterName`, say); undefined when
 * the file does not write the key. Give it the text or bytes the validation accepted.
 */
export function locateTopLevelKey(source: string | Uint8Array, key: string): Position | undefined {
  // TextDecoder drops a leading BOM, as the validation does.
  const text = typeof source === 'string' ? source : new TextDecoder('utf-8').decode(source);

  return createSourceLocator(text).locate([key], 'key');
}
