import { parseArgs } from 'node:util';
import { escapeControlCharacters } from '../cluster-config/escape-control-characters.ts';
import { formatFindingsJson, formatFindingsText } from '../cluster-config/format-findings.ts';
import { validateClusterYamlBytes } from '../cluster-config/validate-cluster-yaml.ts';
import type { ValidationReport } from '../schemas/finding.ts';
import { type CliIo, countOf, EXIT, UsageError } from './cli-io.ts';
import { readInputFile } from './read-input-file.ts';

/** `kube-aws validate <file> [--format text|json]`: offline checks, exit 0/1/2 by the contract. */
export async function runValidateCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { format: { type: 'string', default: 'text' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    throw new UsageError(`needs exactly one file (received ${positionals.length})`);
  }
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format must be text or json (received ${values.format})`);
  }

  const input = await readInputFile(positionals[0]!, io);
  const report: ValidationReport =
    input.tooLarge === undefined
      ? validateClusterYamlBytes(input.bytes, input.displayName).report
      : { valid: false, errors: [input.tooLarge], warnings: [] };
  if (values.format === 'json') {
    io.out(formatFindingsJson(report));
  } else {
    const text = formatFindingsText(report);
    if (text !== '') io.out(text.endsWith('\n') ? text : `${text}\n`);
    if (report.valid)
      io.out(
        `${escapeControlCharacters(input.displayName)}: valid (${countOf(report.warnings.length, 'warning')})\n`,
      );
  }

  return report.valid ? EXIT.ok : EXIT.failed;
}
