/**
 * The change summary a revision carries, as indented text: the deployer's preview when it wrote
 * one, else one line per resource change. Empty when there is nothing to show.
 */
export function describeChangePreview(summary: unknown): string {
  if (summary === undefined || summary === null) return '';
  if (typeof summary === 'string') return indent(summary);
  if (
    typeof summary === 'object' &&
    typeof (summary as { preview?: unknown }).preview === 'string'
  ) {
    return indent((summary as { preview: string }).preview);
  }
  const changes = Array.isArray(summary) ? summary : (summary as { changes?: unknown }).changes;
  if (!Array.isArray(changes)) return '';

  return changes
    .map(
      (change: {
        action?: string;
        logicalId?: string;
        resourceType?: string;
        replacement?: string;
      }) => {
        const replacement = change.replacement === 'True' ? ' (replacement)' : '';
        return `  ${change.action ?? '?'} ${change.logicalId ?? '?'} ${change.resourceType ?? ''}${replacement}`;
      },
    )
    .join('\n');
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
