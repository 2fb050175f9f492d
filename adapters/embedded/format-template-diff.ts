import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { Formatter, type TemplateDiff } from '@aws-cdk/cloudformation-diff';

/** Width the diff is laid out for; the text is stored and shown, never a terminal. */
const PREVIEW_COLUMNS = 120;

/**
 * The `cdk diff` text of a template change, with the IAM and security-group tables written as
 * indented lists. The library's box tables wrap every long action or ARN across lines and cost
 * about 25 ms per cluster template (string-width over each cell), a sixth of a whole embedded
 * run; the lists keep every cell whole and cost well under a millisecond.
 */
export function formatTemplateDiff(diff: TemplateDiff): string {
  const chunks: string[] = [];
  const sink = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { columns: PREVIEW_COLUMNS },
  );
  const formatter = new Formatter(sink, {}, diff);

  if (diff.awsTemplateFormatVersion || diff.transform || diff.description) {
    formatter.printSectionHeader('Template');
    formatter.formatDifference(
      'AWSTemplateFormatVersion',
      'AWSTemplateFormatVersion',
      diff.awsTemplateFormatVersion,
    );
    formatter.formatDifference('Transform', 'Transform', diff.transform);
    formatter.formatDifference('Description', 'Description', diff.description);
    formatter.printSectionFooter();
  }
  for (const [title, rows] of listSecurityTables(diff)) {
    formatter.printSectionHeader(title);
    formatter.print(formatRowsAsList(rows));
    formatter.printSectionFooter();
  }
  formatter.formatSection('Parameters', 'Parameter', diff.parameters);
  formatter.formatSection('Metadata', 'Metadata', diff.metadata);
  formatter.formatSection('Mappings', 'Mapping', diff.mappings);
  formatter.formatSection('Conditions', 'Condition', diff.conditions);
  formatter.formatSection(
    'Resources',
    'Resource',
    diff.resources,
    formatter.formatResourceDifference.bind(formatter),
  );
  formatter.formatSection('Outputs', 'Output', diff.outputs);
  formatter.formatSection('Other Changes', 'Unknown', diff.unknown);

  return `${stripVTControlCharacters(chunks.join('')).trimEnd()}\n`;
}

/** The security summaries `cdk diff` shows first, as [title, rows with a header row first]. */
function listSecurityTables(diff: TemplateDiff): [string, string[][]][] {
  const tables: [string, string[][]][] = [];
  const { iamChanges, securityGroupChanges } = diff;
  if (iamChanges.statements.hasChanges) {
    tables.push(['IAM Statement Changes', iamChanges.summarizeStatements()]);
  }
  if (iamChanges.managedPolicies.hasChanges) {
    tables.push(['IAM Policy Changes', iamChanges.summarizeManagedPolicies()]);
  }
  if (securityGroupChanges.hasChanges) {
    tables.push(['Security Group Changes', securityGroupChanges.summarize()]);
  }

  return tables;
}

/**
 * One entry per row: `[+]` or `[-]` and the first column, then a `Column: value` line per
 * non-empty cell; a cell's further values (several actions) follow on lines of their own.
 */
export function formatRowsAsList(rows: readonly (readonly string[])[]): string {
  const [header = [], ...body] = rows;
  const lines: string[] = [];
  for (const row of body) {
    const marker = stripVTControlCharacters(row[0] ?? '').trim();
    lines.push(`[${marker === '' ? ' ' : marker}] ${splitCell(row[1] ?? '').join(', ')}`);
    for (let column = 2; column < row.length; column += 1) {
      const [first, ...rest] = splitCell(row[column] ?? '');
      if (first === undefined) continue;
      const label = `    ${header[column] ?? `Column ${column}`}: `;
      lines.push(`${label}${first}`, ...rest.map((value) => `${' '.repeat(label.length)}${value}`));
    }
  }

  return lines.join('\n');
}

/** A cell's values, one per line; a JSON value laid over lines (a Condition) stays one value. */
function splitCell(cell: string): string[] {
  const values: string[] = [];
  for (const raw of stripVTControlCharacters(cell).split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const previous = values.at(-1);
    if (previous !== undefined && (/[{[,]$/.test(previous) || /^[}\]]/.test(line))) {
      values[values.length - 1] = `${previous} ${line}`;
    } else {
      values.push(line);
    }
  }

  return values;
}
