import { ValidationError } from '../../lib/errors.ts';
import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import { API_LOAD_BALANCER, CONTROLLER_EIP } from './render-control-plane.ts';
import { type CfnResource, type Fragment, getAtt, type Json, ref } from './template-context.ts';

export const API_RECORD_SET = 'APIServerRecordSet';

/**
 * The API server's name. An A record to the Elastic IP for one controller, an alias A record to
 * the load balancer for several: an alias also works at a zone apex, where a CNAME is forbidden.
 */
export function renderDns(config: ClusterConfig): Fragment {
  if (!config.createRecordSet) return { resources: {}, resourceMap: {} };

  const zone: Record<string, Json> = {};
  if (config.hostedZoneId !== '') {
    zone.HostedZoneId = config.hostedZoneId;
  } else if (config.hostedZone !== '') {
    zone.HostedZoneName = config.hostedZone.endsWith('.')
      ? config.hostedZone
      : `${config.hostedZone}.`;
  } else {
    throw new ValidationError(
      'createRecordSet needs hostedZoneId (received neither hostedZoneId nor hostedZone); ' +
        'set hostedZoneId or turn createRecordSet off',
    );
  }
  const target: Record<string, Json> =
    config.controllerCount === 1
      ? { TTL: String(config.recordSetTTL), ResourceRecords: [ref(CONTROLLER_EIP)] }
      : {
          AliasTarget: {
            DNSName: getAtt(API_LOAD_BALANCER, 'DNSName'),
            HostedZoneId: getAtt(API_LOAD_BALANCER, 'CanonicalHostedZoneID'),
          },
        };
  const resource: CfnResource = {
    Type: 'AWS::Route53::RecordSet',
    Properties: { ...zone, Name: config.externalDNSName, Type: 'A', ...target },
  };

  return {
    resources: { [API_RECORD_SET]: resource },
    resourceMap: {
      [API_RECORD_SET]: [
        'createRecordSet',
        'externalDNSName',
        config.hostedZoneId !== '' ? 'hostedZoneId' : 'hostedZone',
        ...(config.controllerCount === 1 ? ['recordSetTTL'] : ['controllerCount']),
      ],
    },
  };
}
