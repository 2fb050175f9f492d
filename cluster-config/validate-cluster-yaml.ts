import { type ClusterConfig, ClusterConfigSchema } from '../schemas/cluster-config.ts';
import type { Finding, ValidationReport } from '../schemas/finding.ts';
import {
  findingFromProblem,
  locateNear,
  locateProblem,
  makeFinding,
  summarise,
  WHOLE_FILE,
} from './build-findings.ts';
import { checkKeys, isPlainMapping } from './check-keys.ts';
import { describeSchemaIssue, formatReceived } from './describe-schema-issue.ts';
import { escapeControlCharacters } from './escape-control-characters.ts';
import { completeConfig, normaliseBeforeRules } from './normalise-config.ts';
import { checkAwsValues } from './rules/aws-value-rules.ts';
import { checkCapacity } from './rules/capacity-rules.ts';
import { checkDns } from './rules/dns-rules.ts';
import { checkDynamicReferences } from './rules/dynamic-reference-rules.ts';
import { checkIdentity } from './rules/identity-rules.ts';
import { checkNetwork } from './rules/network-rules.ts';
import { RuleContext, type RuleProblem } from './rules/rule-context.ts';
import {
  findDeepNesting,
  findInvalidUtf8,
  normaliseLineEndings,
  positionOfByte,
} from './scan-source-text.ts';
import {
  MAX_FILE_BYTES,
  MAX_NESTING_DEPTH,
  type Position,
  parseYamlSource,
} from './yaml-source.ts';

export interface ClusterYamlResult {
  /** Present only when the report has no errors: defaults applied, `subnets` never empty. */
  config?: ClusterConfig;
  report: ValidationReport;
}

/** Problems after which nothing else can be checked meaningfully. */
const FATAL_SOURCE_RULES = new Set([
  'yaml-syntax',
  'nesting-too-deep',
  'yaml-alias-limit',
  'non-scalar-key',
  // A merge key leaves the document's meaning in doubt (see yaml-source.ts); findings on the
  // merged values would describe a reading the author may not have meant.
  'yaml-merge-key',
]);
const SEMANTIC_RULES = [
  checkIdentity,
  checkDns,
  checkNetwork,
  checkCapacity,
  checkAwsValues,
  checkDynamicReferences,
];

/**
 * The offline validation of a cluster.yaml: syntax, keys, types and every semantic rule, all
 * findings at once with line and column, sorted by position.
 */
export function validateClusterYaml(text: string, file = 'cluster.yaml'): ClusterYamlResult {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_FILE_BYTES) return reportTooLarge(file, size);

  return validateText(text.startsWith('\uFEFF') ? text.slice(1) : text, file);
}

/** As {@link validateClusterYaml}, for raw bytes: refuses invalid UTF-8 with its position. */
export function validateClusterYamlBytes(
  bytes: Uint8Array,
  file = 'cluster.yaml',
): ClusterYamlResult {
  if (bytes.length > MAX_FILE_BYTES) return reportTooLarge(file, bytes.length);
  const badByte = findInvalidUtf8(bytes);
  if (badByte >= 0) {
    const hex = (bytes[badByte] ?? 0).toString(16).padStart(2, '0');
    const finding = makeFinding(
      file,
      'error',
      'invalid-utf8',
      [],
      positionOfByte(bytes, badByte),
      `${escapeControlCharacters(file)} must be UTF-8 text (received byte 0x${hex} at offset ` +
        `${badByte}); save the file as UTF-8`,
    );
    return summarise([finding]);
  }

  // TextDecoder drops a leading BOM itself.
  return validateText(new TextDecoder('utf-8').decode(bytes), file);
}

function validateText(source: string, file: string): ClusterYamlResult {
  const text = normaliseLineEndings(source);
  const deep = findDeepNesting(text, MAX_NESTING_DEPTH);
  if (deep !== undefined) {
    return summarise([
      makeFinding(
        file,
        'error',
        'nesting-too-deep',
        [],
        deep.position,
        `${escapeControlCharacters(file)} nests ${deep.what} more than ${MAX_NESTING_DEPTH} levels deep`,
      ),
    ]);
  }
  const parsed = parseYamlSource(text);
  const { locator } = parsed;
  const findings = parsed.problems.map((problem) =>
    makeFinding(file, 'error', problem.rule, problem.path, problem.position, problem.message),
  );
  if (parsed.problems.some((problem) => FATAL_SOURCE_RULES.has(problem.rule))) {
    return summarise(findings);
  }
  if (!isPlainMapping(parsed.value)) {
    const received =
      parsed.value === null || parsed.value === undefined
        ? 'an empty document'
        : describeWholeDocument(parsed.value);
    findings.push(
      makeFinding(
        file,
        'error',
        'not-a-mapping',
        [],
        WHOLE_FILE,
        `${escapeControlCharacters(file)} must be a mapping of keys such as clusterName: demo (received ${received})`,
      ),
    );
    return summarise(findings);
  }

  const keys = checkKeys(parsed.value);
  for (const problem of keys.problems) {
    findings.push(
      makeFinding(
        file,
        problem.severity,
        problem.rule,
        problem.path,
        locateNear(locator, problem.path, 'key', []),
        problem.message,
      ),
    );
  }

  const first = ClusterConfigSchema.safeParse(keys.known);
  const brokenRoots = new Set<string>();
  if (!first.success) {
    for (const issue of first.error.issues) {
      const problem = describeSchemaIssue(issue, keys.known);
      brokenRoots.add(String(problem.path[0]));
      findings.push(
        makeFinding(
          file,
          'error',
          problem.rule,
          problem.path,
          locateProblem(locator, problem.rule, problem.path, problem.target, []),
          problem.message,
        ),
      );
    }
  }
  // After the errors, so a finding at the same place as this warning is listed first.
  if (keys.known.clusterName === undefined) {
    findings.push(warnDefaultClusterName(file, locator.documentStart()));
  }
  // Without usable subnets, the single-AZ defaults would stand in and raise findings of their own.
  if (brokenRoots.has('subnets')) {
    for (const key of ['instanceCIDR', 'availabilityZone', 'controllerIP']) brokenRoots.add(key);
  }
  const typed = first.success ? first.data : retypeWithoutBroken(keys.known, brokenRoots);
  if (typed !== undefined) {
    const config = normaliseBeforeRules(typed);
    const context = new RuleContext(config, (path) => locator.has(path));
    for (const rule of SEMANTIC_RULES) rule(context);
    for (const problem of context.problems) {
      if (touchesBroken(problem, brokenRoots)) continue;
      findings.push(findingFromProblem(file, locator, problem));
    }
    const result: ClusterYamlResult = summarise(findings);
    if (result.report.valid) result.config = completeConfig(config);

    return result;
  }

  return summarise(findings);
}

/**
 * A second, lenient typing pass: keys whose values failed the schema fall back to their defaults
 * (required ones to ''), so the semantic rules can still check everything else in the same run.
 */
function retypeWithoutBroken(
  known: Record<string, unknown>,
  brokenRoots: ReadonlySet<string>,
): ClusterConfig | undefined {
  const lenient: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(known)) {
    if (!brokenRoots.has(key)) lenient[key] = value;
  }
  for (const key of ['externalDNSName', 'keyName', 'region']) lenient[key] ??= '';
  const second = ClusterConfigSchema.safeParse(lenient);

  return second.success ? second.data : undefined;
}

function touchesBroken(problem: RuleProblem, brokenRoots: ReadonlySet<string>): boolean {
  return [problem.path, ...problem.related].some((path) => brokenRoots.has(String(path[0])));
}

/**
 * A file without clusterName gets kube-aws's default name, which is easy to miss and is the stack
 * name too: two such files would deploy to the same stack. Valid, but worth a warning.
 */
function warnDefaultClusterName(file: string, documentStart: Position): Finding {
  const name = ClusterConfigSchema.shape.clusterName.parse(undefined);

  return makeFinding(
    file,
    'warning',
    'cluster-name-default',
    ['clusterName'],
    documentStart,
    `clusterName is missing (defaulting to ${formatReceived(name)}, a name another cluster may ` +
      'also have); set clusterName to name this cluster',
  );
}

/**
 * What a document that is not a mapping holds, by kind only: a whole file read as one string
 * may be anything (a pasted credential, `/proc/self/environ`), and the message travels into
 * API answers and validation.json beside the upload.
 */
function describeWholeDocument(value: unknown): string {
  if (typeof value === 'string') {
    return `a string of ${value.length} character${value.length === 1 ? '' : 's'}, not keys`;
  }

  return formatReceived(value);
}

function reportTooLarge(file: string, size: number): ClusterYamlResult {
  return summarise([findTooLarge(file, size)]);
}

/**
 * The finding about a file over MAX_FILE_BYTES, wherever its size was learnt; undefined for a
 * stream read only up to the limit (a pipe), whose size nobody knows.
 */
export function findTooLarge(file: string, size: number | undefined): Finding {
  const received = size === undefined ? `more than ${MAX_FILE_BYTES}` : String(size);

  return makeFinding(
    file,
    'error',
    'file-too-large',
    [],
    WHOLE_FILE,
    `${escapeControlCharacters(file)} must be at most ${MAX_FILE_BYTES} bytes (received ${received} bytes)`,
  );
}
