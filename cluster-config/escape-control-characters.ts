/**
 * Terminals and CI logs act on control characters: an ESC sequence recolours or rewrites the
 * screen, a newline or carriage return forges a line of its own. Every piece of user input a
 * message quotes (values, key names, parser excerpts) passes through here, and so does each
 * line the text formatter prints.
 */

/** C0, DEL, C1, the Unicode line and paragraph separators, and bidirectional overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Replaces each control character with a visible escape: `\n`, `\r`, `\t` or `\u001b`. */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (char) => SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
