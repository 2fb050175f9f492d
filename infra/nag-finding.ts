import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The text cdk-nag prints for a resource in an IAM5 finding: literals as they are, `Ref` as
 * `<Name>`, `Fn::GetAtt` as `<Name.Attribute>`. Computing it from the same value the policy
 * uses keeps each acknowledgement tied to exactly one resource pattern.
 */
export function describeResourceForNag(scope: IConstruct, value: string): string {
  return renderIntrinsic(Stack.of(scope).resolve(value));
}

/** Acknowledges the wildcard finding for one resource pattern on `scope`, with its reason. */
export function acknowledgeWildcardResource(
  scope: IConstruct,
  resource: string,
  reason: string,
): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${describeResourceForNag(scope, resource)}]`,
    reason,
  });
}

function renderIntrinsic(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return `<${record.Ref}>`;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = record['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(renderIntrinsic).join(join[0]);
    }
  }

  throw new Error(`resource ${JSON.stringify(value)} has no cdk-nag rendering`);
}
