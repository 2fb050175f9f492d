import { describe, expect, it } from 'vitest';
import { summariseChanges } from '../../../cli/describe-change-preview.ts';

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
