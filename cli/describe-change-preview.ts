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

/**
 * One line counting the resource changes by action and naming every replacement, e.g.
 * `changes: 41 Add, 2 Modify; replaced: Controller0 (AWS::EC2::Instance)`. Empty when the
 * summary lists no changes.
 */
export function summariseChanges(summary: unknown): string {
  const changes = Array.isArray(summary)
    ? summary
    : (summary as { changes?: unknown } | null | undefined)?.changes;
  if (!Array.isArray(changes)) return '';
  if (changes.length === 0) return 'changes: none';
  const counts = new Map<string, number>();
  const replaced: string[] = [];
  for (const change of changes as Array<{
    action?: string;
    logicalId?: string;
    resourceType?: string;
    replacement?: string;
  }>) {
    const action = change.action ?? 'Unknown';
    counts.set(action, (counts.get(action) ?? 0) + 1);
    if (change.replacement === 'True' || change.replacement === 'Conditional') {
      const conditional = change.replacement === 'Conditional' ? ', conditional' : '';
      replaced.push(`${change.logicalId ?? '?'} (${change.resourceType ?? '?'}${conditional})`);
    }
  }
  const byAction = [...counts].map(([action, count]) => `${count} ${action}`).join(', ');

  return `changes: ${byAction}${replaced.length === 0 ? '' : `; replaced: ${replaced.join(', ')}`}`;
}

/**
 * `since the plan of revision 3: 1 Modify` for a preview that compared with the last plan as
 * well (a cluster never applied); empty otherwise.
 */
export function summariseChangesSincePlan(summary: unknown): string {
  const since = (summary as { sinceLastPlan?: { revision?: unknown; changes?: unknown } } | null)
    ?.sinceLastPlan;
  if (typeof since?.revision !== 'number' || !Array.isArray(since.changes)) return '';
  const counted = summariseChanges(since.changes).replace(/^changes: /, '');

  return `since the plan of revision ${since.revision}: ${counted === 'none' ? 'no changes' : counted}`;
}
