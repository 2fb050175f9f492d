import { formatReceived } from '../describe-schema-issue.ts';
import type { ConfigPath } from '../yaml-source.ts';
import { formatPath } from '../yaml-source.ts';
import type { RuleContext } from './rule-context.ts';

/**
 * CloudFormation resolves `{{resolve:ssm:...}}`, `{{resolve:ssm-secure:...}}` and
 * `{{resolve:secretsmanager:...}}` wherever they appear in a template string, with the stack's
 * own permissions. A cluster.yaml value that reaches the template (keyName, tags, names) could so
 * pull a parameter or secret into the stack the submitter cannot read themselves. As `${` is
 * refused where Fn::Sub would expand it, every string of the config is checked here: the
 * spelling is matched loosely (case, spaces) so a near miss is refused too.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
 */
const DYNAMIC_REFERENCE = /\{\{\s*resolve\s*:/i;

export function checkDynamicReferences(context: RuleContext): void {
  walkStrings(context, context.config, []);
}

function walkStrings(context: RuleContext, value: unknown, path: ConfigPath): void {
  if (typeof value === 'string') {
    if (DYNAMIC_REFERENCE.test(value)) reportReference(context, path, 'value', value);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      walkStrings(context, item, [...path, index]);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = [...path, key];
    if (DYNAMIC_REFERENCE.test(key)) reportReference(context, itemPath, 'key', key);
    walkStrings(context, item, itemPath);
  }
}

function reportReference(
  context: RuleContext,
  path: ConfigPath,
  part: 'key' | 'value',
  text: string,
): void {
  const subject = part === 'key' ? `${formatPath(path)} key` : formatPath(path);
  context.error(
    'dynamic-reference',
    path,
    `${subject} must not contain a CloudFormation dynamic reference {{resolve:...}} ` +
      `(received ${formatReceived(text)}); write the value itself`,
  );
}
