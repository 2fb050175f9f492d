import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSession } from '../../../cli/backend-session.ts';
import {
  describeFailedValidation,
  describeRefusedSubmission,
} from '../../../cli/describe-failed-validation.ts';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';
import type { ApiRequest } from '../../../http-api/api-types.ts';
import { handleApiRequest } from '../../../http-api/handle-api-request.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import type { PublicReport } from '../../../schemas/finding.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';
import { MemoryRevisionStore } from '../../support/memory-revision-store.ts';

const REPORT_KEY = artifactKeys.validation('demo', 1);
const FAILED = {
  cluster: 'demo',
  revision: 1,
  status: 'FAILED' as const,
  error: { name: 'ValidationError', message: 'cluster.yaml is invalid' },
};

/** `clusterName: demo` and 3,000 unknown keys: 3,004 errors, of which the report lists 100. */
function generateUnknownKeys(): string {
  const keys = Array.from({ length: 3000 }, (_, index) => `unknown${index}: 1\n`);

  return `clusterName: demo\n${keys.join('')}`;
}

/** The public report of a file, as the API's 400 answer and the stored report carry it. */
function publicReportOf(text: string): PublicReport {
  const { report } = validateClusterYaml(text);
  const strip = ({ severity: _severity, ...rest }: { severity: string }) => rest;

  return {
    valid: report.valid,
    errors: report.errors.map(strip),
    warnings: report.warnings.map(strip),
  } as PublicReport;
}

describe('describeRefusedSubmission', () => {
  it('counts every error of a capped report and says only the first 100 were reported', () => {
    const lines = describeRefusedSubmission(publicReportOf(generateUnknownKeys()), 'c.yaml').split(
      '\n',
    );

    expect(lines).toHaveLength(54);
    expect(lines.slice(0, 5)).toEqual([
      'c.yaml:1:1: error: externalDNSName must be set',
      'c.yaml:1:1: error: keyName must be set',
      'c.yaml:1:1: error: region must be set',
      'c.yaml:1:1: error: availabilityZone must be set when subnets is empty',
      'c.yaml:2:1: error: unknown0 is not a known key',
    ]);
    expect(lines.slice(-4)).toEqual([
      '... and 50 more of the first 100 findings (kube-aws validate c.yaml lists them all)',
      'c.yaml:98:1: error: c.yaml reports at most 100 findings at once (received 2904 more, ' +
        '2904 of them errors); fix the findings above and validate again',
      'c.yaml: not submitted (3004 errors; the first 100 findings were reported)',
      '',
    ]);
  });

  it('counts the errors of a report that lists them all, with no word about a cap', () => {
    const text = describeRefusedSubmission(
      publicReportOf('clusterName: demo\nunknown: 1\n'),
      'c.yaml',
    );

    expect(text.split('\n').slice(-2)).toEqual(['c.yaml: not submitted (5 errors)', '']);
  });
});

describe('describeFailedValidation against the API', () => {
  const artifacts = new MemoryObjectStore();
  const revisions = new MemoryRevisionStore();
  const deps = { artifacts, revisions } as unknown as Deps;
  let server: Server;
  let session: BackendSession;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const apiRequest: ApiRequest = {
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        headers: {},
        body: undefined,
        identity: 'local:tester',
      };
      void handleApiRequest(apiRequest, deps).then((answer) => {
        response.writeHead(answer.status, answer.headers).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    session = {
      apiUrl: `http://127.0.0.1:${port}`,
      description: 'test API',
      close: async () => {},
    };
    await revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'tester',
      correlationId: 'correlation-1',
      inputKey: artifactKeys.input('demo', 1),
      inputSha256: sha256Hex(''),
    });
    await revisions.transition('demo', 1, 'FAILED', {}, { error: FAILED.error });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function storeReport(report: PublicReport | string, recordHash = true): Promise<void> {
    const body = typeof report === 'string' ? report : `${JSON.stringify(report)}\n`;
    await artifacts.put(REPORT_KEY, body, 'application/json');
    await revisions.update('demo', 1, {
      validationReportSha256: recordHash ? sha256Hex(body) : undefined,
    });
  }

  it('says in one line that the findings could not be read, and why, for a changed report', async () => {
    await storeReport(publicReportOf('clusterName: demo\nunknown: 1\n'));
    const recorded = (await revisions.get('demo', 1))?.validationReportSha256;
    await artifacts.put(REPORT_KEY, '{"valid":false,"errors":[],"warnings":[]}', 'text/plain');

    const text = await describeFailedValidation(session, FAILED, 'c.yaml');

    expect(text).toBe(
      'c.yaml: revision 1 failed validation, but its findings could not be read: ' +
        `${REPORT_KEY} must have the recorded sha256 ${recorded} (received ` +
        `${sha256Hex('{"valid":false,"errors":[],"warnings":[]}')}); the report was changed ` +
        'outside the product: run kube-aws validate on the file, or submit it again\n',
    );
  });

  it('says the stored report lists no findings when it holds none', async () => {
    await storeReport({ valid: false, errors: [], warnings: [] });

    const text = await describeFailedValidation(session, FAILED, 'c.yaml');

    expect(text).toBe(
      'c.yaml: revision 1 failed validation; its stored report lists no findings\n',
    );
  });

  it('says the stored report lists no errors, and counts its warnings, when it holds only those', async () => {
    const { warnings } = publicReportOf('workerCount: 1\n');
    await storeReport({ valid: false, errors: [], warnings });

    const text = await describeFailedValidation(session, FAILED, 'c.yaml');

    expect(text).toBe(
      'c.yaml:1:1: warning: clusterName is missing (defaulting to "kubernetes", a name another ' +
        'cluster may also have); set clusterName to name this cluster\n' +
        'c.yaml: revision 1 failed validation; its stored report lists no errors (1 warning)\n',
    );
  });

  it('counts every error of a stored capped report and says only the first 100 were reported', async () => {
    await storeReport(publicReportOf(generateUnknownKeys()));

    const text = await describeFailedValidation(session, FAILED, 'c.yaml');

    expect(text.split('\n').slice(-4)).toEqual([
      '... and 50 more of the first 100 findings in s3://memory/clusters/demo/revisions/000001/validation.json',
      'c.yaml:98:1: error: c.yaml reports at most 100 findings at once (received 2904 more, ' +
        '2904 of them errors); fix the findings above and validate again',
      'c.yaml: revision 1 failed validation (3004 errors, 0 warnings; the first 100 findings were ' +
        'reported)',
      '',
    ]);
  });

  it('says nothing for a FAILED revision whose backend stored no report', async () => {
    artifacts.objects.delete(REPORT_KEY);
    await revisions.update('demo', 1, { validationReportSha256: undefined });

    expect(await describeFailedValidation(session, FAILED, 'c.yaml')).toBe('');
  });
});
