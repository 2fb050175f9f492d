/**
 * Terminals and CI logs act on control characters: an ESC sequence recolours or rewrites the
 * screen, a newline or carriage return forges a line of its own. Every piece of user input a
 * message quotes (values, key names, parser excerpts) passes through here, and so does each
 * line the text formatter prints.
 */

/**
 * C0, DEL, C1, the zero-width and direction marks, the Unicode line and paragraph separators,
 * bidirectional overrides and isolates, and the byte order mark.
 */
const CONTROL_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** The same, less the newline and tab a terminal needs to lay out text. */
const CONTROL_CHARACTERS_BUT_LAYOUT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Replaces each control character with a visible escape: `\n`, `\r`, `\t` or `\u001b`. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, describeCharacter);
}

/**
 * What reaches a terminal: every control character escaped but the newlines and tabs that lay the
 * text out. The CLI's last line of defence for text it did not write itself (an API answer, a
 * stored error message, a file name), so none of it can move the cursor or forge a line.
 */
export function escapeTerminalControls(text: string): string {
  return text.replace(CONTROL_CHARACTERS_BUT_LAYOUT, describeCharacter);
}

function describeCharacter(char: string): string {
  return SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
