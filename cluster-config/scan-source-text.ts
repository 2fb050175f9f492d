import type { Position } from './yaml-source.ts';

/**
 * Checks on the raw text or bytes of a cluster.yaml, made before the YAML parser sees it: encoding,
 * line endings and a nesting bound that refuses hostile input in milliseconds.
 */

/**
 * CRLF and lone CR become LF. The YAML parser reads a lone CR (old Mac line endings) as part of a
 * line, so such a file would read as one long comment or scalar; every position stays the line
 * and column the user sees, as each ending remains one line break.
 */
export function normaliseLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** The 0-based offset of the first byte that breaks UTF-8, or -1 when the bytes are valid. */
export function findInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    // Lead byte → sequence length and the allowed range of the second byte (RFC 3629 table).
    const shape = describeLeadByte(lead);
    if (shape === undefined) return index;
    const [length, low, high] = shape;
    for (let offset = 1; offset < length; offset += 1) {
      const next = bytes[index + offset];
      const min = offset === 1 ? low : 0x80;
      const max = offset === 1 ? high : 0xbf;
      if (next === undefined || next < min || next > max) return index;
    }
    index += length;
  }

  return -1;
}

function describeLeadByte(lead: number): [number, number, number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];

  return undefined;
}

/**
 * Line and column (both 1-based) of a byte offset, for encoding errors found before decoding.
 * LF, CRLF and a lone CR each end a line, as in {@link normaliseLineEndings}.
 */
export function positionOfByte(bytes: Uint8Array, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset; index += 1) {
    const byte = bytes[index];
    if (byte === 0x0a || (byte === 0x0d && bytes[index + 1] !== 0x0a)) {
      line += 1;
      lineStart = index + 1;
    }
  }

  return { line, column: offset - lineStart + 1 };
}

export interface DeepNesting {
  what: 'brackets' | 'list items';
  position: Position;
}

/**
 * Where the text first nests deeper than `limit`, found without parsing: the YAML parser itself
 * slows down badly, then overflows its stack, on tens of thousands of nested levels. Deliberately
 * blunt so that no quoting or comment can hide a bracket from it: every `[` and `{` counts, in
 * strings and comments too, and so does every `- ` or `? ` that opens a line (compact nested
 * lists). A legitimate cluster.yaml comes nowhere near the limit even counted this way.
 */
export function findDeepNesting(text: string, limit: number): DeepNesting | undefined {
  let brackets = 0;
  let indicators = 0;
  let leading = true;
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\n') {
      line += 1;
      lineStart = index + 1;
      leading = true;
      indicators = 0;
      continue;
    }
    if (leading && (char === '-' || char === '?') && /[ \t]/.test(text[index + 1] ?? '')) {
      indicators += 1;
    } else if (char !== ' ' && char !== '\t') {
      leading = false;
    }
    if (char === '[' || char === '{') brackets += 1;
    else if ((char === ']' || char === '}') && brackets > 0) brackets -= 1;
    if (brackets > limit || indicators > limit) {
      const what = brackets > limit ? 'brackets' : 'list items';
      return { what, position: { line, column: index - lineStart + 1 } };
    }
  }

  return undefined;
}
