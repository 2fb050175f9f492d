import { describe, expect, it } from 'vitest';
import { checkKeys, measureEditDistance, suggestKey } from '../../../cluster-config/check-keys.ts';

describe('suggestKey', () => {
  const keys = ['workerCount', 'workerInstanceType', 'vpcCIDR', 'controllerIP'];

  it.each([
    ['workerCont', 'workerCount'],
    ['workercount', 'workerCount'],
    ['vpcCidr', 'vpcCIDR'],
    ['controlerIP', 'controllerIP'],
    ['workerInstanceTyp', 'workerInstanceType'],
  ])('suggests the known key closest to %s', (typo, expected) => {
    expect(suggestKey(typo, keys)).toBe(expected);
  });

  it('suggests nothing for a key unlike any known one', () => {
    expect(suggestKey('banana', keys)).toBeUndefined();
  });
});

describe('measureEditDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect([
      measureEditDistance('kitten', 'sitting'),
      measureEditDistance('', 'abc'),
      measureEditDistance('abc', 'abc'),
    ]).toEqual([3, 3, 0]);
  });
});

describe('checkKeys', () => {
  it('drops unknown and deprecated-and-ignored keys and keeps the rest', () => {
    const { known, problems } = checkKeys({
      clusterName: 'demo',
      kubernetesServiceIP: '10.3.0.1',
      hostedZone: 'example.com',
      subnets: [{ availabilityZone: 'us-east-1a', instanceCIDR: '10.0.0.0/24', name: 'x' }],
    });
    expect(known).toEqual({
      clusterName: 'demo',
      hostedZone: 'example.com',
      subnets: [{ availabilityZone: 'us-east-1a', instanceCIDR: '10.0.0.0/24' }],
    });
    expect(
      problems.map((problem) => `${problem.severity} ${problem.rule} ${problem.message}`),
    ).toEqual([
      'warning deprecated-key kubernetesServiceIP is ignored; the first address after the serviceCIDR network is used',
      'warning deprecated-key hostedZone is deprecated; use hostedZoneId',
      'error unknown-key subnets[0].name is not a known key',
    ]);
  });

  it('copies stackTags without letting a __proto__ key reach the prototype', () => {
    const tags = JSON.parse('{"__proto__": {"polluted": "yes"}, "team": "platform"}') as Record<
      string,
      unknown
    >;
    const { known } = checkKeys({ stackTags: tags });
    const copied = known.stackTags as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(copied).toEqual({ team: 'platform' });
  });
});
