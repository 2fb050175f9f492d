import { describe, expect, it } from 'vitest';
import {
  escapeControlCharacters,
  escapeTerminalControls,
} from '../../../cluster-config/escape-control-characters.ts';

describe('escapeControlCharacters', () => {
  it('escapes C0, C1, line separators, direction marks, overrides and the byte order mark', () => {
    expect(
      escapeControlCharacters('a\nb\r\tc\u001b[2J\u0085\u2028\u200e\u200f\u202e\u2066\ufeffd'),
    ).toBe('a\\nb\\r\\tc\\u001b[2J\\u0085\\u2028\\u200e\\u200f\\u202e\\u2066\\ufeffd');
  });
});

describe('escapeTerminalControls', () => {
  it('escapes what moves a cursor or hides text, and keeps newlines and tabs for layout', () => {
    expect(escapeTerminalControls('line 1\n\tline 2\r\u001b]0;title\u0007\u200f\n')).toBe(
      'line 1\n\tline 2\\r\\u001b]0;title\\u0007\\u200f\n',
    );
  });

  it('leaves printable text, accents and emoji alone', () => {
    expect(escapeTerminalControls('kube-aws: café ✓ 🚀 revision 1\n')).toBe(
      'kube-aws: café ✓ 🚀 revision 1\n',
    );
  });
});
