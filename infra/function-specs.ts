/**
 * The backend's Lambda functions, one per folder under `functions/`, with the memory and timeout
 * each gets. `bench/functions-bench.ts` measured a resident set of 147-160 MiB right after the
 * cold import of each bundle, so 512 MiB is the floor. Lambda gives CPU in proportion to memory
 * and a cold import is CPU-bound (1.4-2.2 s on a 2-core machine, mostly the AWS SDK clients), so
 * the functions a person waits for get 1,024 MiB, and key generation one full vCPU.
 */
export const BACKEND_FUNCTIONS = [
  'submit-api',
  'submit-s3',
  'validate',
  'generate-assets',
  'encrypt',
  'render',
  'apply',
  'record',
  'status-api',
] as const;

export type BackendFunctionName = (typeof BACKEND_FUNCTIONS)[number];

export interface FunctionSpec {
  /** Construct id, stable PascalCase. */
  id: string;
  description: string;
  memoryMiB: number;
  /** Below the Task's TimeoutSeconds in the ASL, so a slow call fails as a Lambda error first. */
  timeoutSeconds: number;
}

export const FUNCTION_SPECS: Readonly<Record<BackendFunctionName, FunctionSpec>> = {
  'submit-api': {
    id: 'SubmitApiFunction',
    description: 'POST /clusters: offline validation, revision allocation, execution start',
    memoryMiB: 1024,
    // API Gateway gives up on an integration after 29 seconds.
    timeoutSeconds: 28,
  },
  'submit-s3': {
    id: 'SubmitS3Function',
    description: 'clusters/<name>/cluster.yaml upload: the same submission as the API',
    memoryMiB: 512,
    timeoutSeconds: 60,
  },
  validate: {
    id: 'ValidateFunction',
    description: 'Provision step: full validation including the checks that call AWS',
    memoryMiB: 512,
    timeoutSeconds: 110,
  },
  'generate-assets': {
    id: 'GenerateAssetsFunction',
    description: 'Provision step: reuse or issue the cluster TLS assets',
    // RSA key generation is CPU-bound; 1,769 MiB is one full vCPU.
    memoryMiB: 1769,
    timeoutSeconds: 280,
  },
  encrypt: {
    id: 'EncryptFunction',
    description: 'Provision step: KMS-encrypt new or changed node assets',
    memoryMiB: 512,
    timeoutSeconds: 110,
  },
  render: {
    id: 'RenderFunction',
    description: 'Provision step: render and store the CloudFormation template and userdata',
    memoryMiB: 1024,
    timeoutSeconds: 110,
  },
  apply: {
    id: 'ApplyFunction',
    description: 'Provision step: create, execute and follow the change set',
    memoryMiB: 512,
    // Serves both Start Apply (300 s) and Check Apply (120 s); the smaller bound applies.
    timeoutSeconds: 110,
  },
  record: {
    id: 'RecordFunction',
    description: 'Provision step: record the final revision status and notify on failure',
    memoryMiB: 512,
    timeoutSeconds: 50,
  },
  'status-api': {
    id: 'StatusApiFunction',
    description: 'GET /clusters/...: revisions, templates and execution history',
    memoryMiB: 1024,
    timeoutSeconds: 28,
  },
};
