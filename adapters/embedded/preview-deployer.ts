import { fullDiff, type ResourceDifference, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { InvariantError } from '../../lib/errors.ts';
import type {
  ApplyProgress,
  ApplyRequest,
  ChangeSummaryEntry,
  StackDeployer,
} from '../../ports/stack-deployer.ts';
import { formatTemplateDiff } from './format-template-diff.ts';

/**
 * The embedded backend's deployer: computes what CloudFormation would change, against the last
 * applied template, and deploys nothing. The outcome is PLANNED (or NOOP when nothing differs).
 */
export class PreviewDeployer implements StackDeployer {
  readonly mode = 'preview' as const;

  async start(request: ApplyRequest): Promise<ApplyProgress> {
    const previous =
      request.previousTemplateBody === undefined ? {} : parseTemplate(request.previousTemplateBody);
    const template = parseTemplate(request.templateBody);
    const diff = fullDiff(previous, template);
    const changes = listChanges(diff);
    const header = `preview only: nothing was deployed to AWS; stack ${request.stackName} was not created or changed`;
    if (diff.isEmpty) {
      return {
        state: 'NOOP',
        changes,
        preview: `${header}\nno differences from the last applied template\n`,
      };
    }
    const lastPlan = request.lastPlan;
    if (lastPlan === undefined) {
      return { state: 'PLANNED', changes, preview: `${header}\n${formatTemplateDiff(diff)}` };
    }
    const sincePlan = fullDiff(parseTemplate(lastPlan.templateBody), template);
    const sinceText = sincePlan.isEmpty ? 'no differences\n' : formatTemplateDiff(sincePlan);

    return {
      state: 'PLANNED',
      changes,
      sinceLastPlan: { revision: lastPlan.revision, changes: listChanges(sincePlan) },
      preview:
        `${header}\n${formatTemplateDiff(diff)}` +
        `\nsince the plan of revision ${lastPlan.revision}:\n${sinceText}`,
    };
  }

  /** Previews finish in `start`; polling a finished preview returns it unchanged. */
  async poll(request: ApplyRequest, progress: ApplyProgress): Promise<ApplyProgress> {
    return progress.state === 'IN_PROGRESS' ? this.start(request) : progress;
  }
}

function listChanges(diff: ReturnType<typeof fullDiff>): ChangeSummaryEntry[] {
  const changes: ChangeSummaryEntry[] = [];
  diff.resources.forEachDifference((logicalId, difference) => {
    changes.push(summariseDifference(logicalId, difference));
  });

  return changes;
}

/**
 * Loads the resource specification the diff reads to tell replacements apart (about half a
 * second, once per process), so a long-running backend pays it at start, not in its first run.
 */
export function warmUpPreview(): void {
  fullDiff({}, { Resources: { Warm: { Type: 'AWS::SNS::Topic', Properties: {} } } });
}

function summariseDifference(
  logicalId: string,
  difference: ResourceDifference,
): ChangeSummaryEntry {
  const resourceType = difference.newResourceType ?? difference.oldResourceType ?? '';
  if (difference.isAddition) {
    return { action: 'Add', logicalId, resourceType, replacement: 'N/A', configKeys: [] };
  }
  if (difference.isRemoval) {
    return { action: 'Remove', logicalId, resourceType, replacement: 'N/A', configKeys: [] };
  }

  return {
    action: 'Modify',
    logicalId,
    resourceType,
    replacement: replacementOf(difference),
    configKeys: [],
  };
}

function replacementOf(difference: ResourceDifference): ChangeSummaryEntry['replacement'] {
  switch (difference.changeImpact) {
    case ResourceImpact.WILL_REPLACE:
      return 'True';
    case ResourceImpact.MAY_REPLACE:
      return 'Conditional';
    default:
      return 'False';
  }
}

function parseTemplate(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch (error: unknown) {
    throw new InvariantError('rendered template is not valid JSON', { cause: error });
  }
}
