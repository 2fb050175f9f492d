import { describe, expect, it } from 'vitest';
import {
  summariseChanges,
  summariseChangesSincePlan,
} from '../../../cli/describe-change-preview.ts';

describe('summariseChanges', () => {
  it('counts changes by action and names each replacement', () => {
    const summary = {
      mode: 'preview',
      changes: [
        { action: 'Add', logicalId: 'Vpc', resourceType: 'AWS::EC2::VPC', replacement: 'N/A' },
        {
          action: 'Add',
          logicalId: 'Subnet0',
          resourceType: 'AWS::EC2::Subnet',
          replacement: 'N/A',
        },
        {
          action: 'Modify',
          logicalId: 'Controller0',
          resourceType: 'AWS::EC2::Instance',
          replacement: 'True',
        },
        {
          action: 'Modify',
          logicalId: 'Etcd0Volume',
          resourceType: 'AWS::EC2::Volume',
          replacement: 'Conditional',
        },
      ],
    };

    expect(summariseChanges(summary)).toBe(
      'changes: 2 Add, 2 Modify; replaced: Controller0 (AWS::EC2::Instance), Etcd0Volume (AWS::EC2::Volume, conditional)',
    );
  });

  it('says none for an empty change list and nothing without a summary', () => {
    expect(summariseChanges({ changes: [] })).toBe('changes: none');
    expect(summariseChanges(undefined)).toBe('');
  });
});

describe('summariseChangesSincePlan', () => {
  const modify = {
    action: 'Modify',
    logicalId: 'WorkerAutoScalingGroup',
    resourceType: 'AWS::AutoScaling::AutoScalingGroup',
    replacement: 'False',
  };

  it('counts the changes since the last plan with its revision', () => {
    expect(
      summariseChangesSincePlan({ changes: [], sinceLastPlan: { revision: 3, changes: [modify] } }),
    ).toBe('since the plan of revision 3: 1 Modify');
  });

  it('says there are no changes when the plan is the same, and nothing without a last plan', () => {
    expect(
      summariseChangesSincePlan({ changes: [], sinceLastPlan: { revision: 4, changes: [] } }),
    ).toBe('since the plan of revision 4: no changes');
    expect(summariseChangesSincePlan({ changes: [modify] })).toBe('');
  });
});
