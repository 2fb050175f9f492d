import { describe, expect, it } from 'vitest';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';

const MINIMAL = [
  'clusterName: demo',
  'externalDNSName: api.demo.example.com',
  'keyName: demo-admin',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  '',
].join('\n');

function errors(extra: string, base = MINIMAL): string[] {
  return validateClusterYaml(`${base}${extra}`).report.errors.map(
    (finding) => `${finding.line}:${finding.column} ${finding.rule} ${finding.message}`,
  );
}

describe('TLS lifetimes', () => {
  it('accepts a CA and certificates of 36 500 days, a hundred years', () => {
    expect(errors('tlsCADurationDays: 36500\ntlsCertDurationDays: 36500\n')).toEqual([]);
  });

  it('refuses lifetimes that would end after year 9999 or overflow a date', () => {
    expect(errors('tlsCADurationDays: 99999999\ntlsCertDurationDays: 36501\n')).toEqual([
      '6:1 tls-duration tlsCADurationDays must be from 1 to 36500 days (received 99999999)',
      '7:1 tls-duration tlsCertDurationDays must be from 1 to 36500 days (received 36501)',
    ]);
  });

  it('refuses certificates that outlive their CA', () => {
    expect(errors('tlsCADurationDays: 36500\ntlsCertDurationDays: 36499\n')).toEqual([]);
    expect(errors('tlsCADurationDays: 100\ntlsCertDurationDays: 101\n')).toEqual([
      '7:1 tls-duration-order tlsCertDurationDays must not exceed tlsCADurationDays 100, the ' +
        'lifetime of the CA that signs the certificates (received 101)',
    ]);
  });
});
