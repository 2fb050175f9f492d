import path from 'node:path';
import { BACKEND_FILE_NAME } from './backend-file.ts';
import { SUBMISSIONS_BUCKET } from './start-embedded-backend.ts';
import type { SigV4Credentials } from './verify-sigv4-request.ts';

/** What `serve` prints on start: where things are and the two ways to submit a cluster. */
export function describeEmbeddedBackend(backend: {
  apiUrl: string;
  s3Endpoint: string;
  stateDir: string;
  /** The state dir's key, which the upload command needs: the endpoint takes no other. */
  endpointCredentials: SigV4Credentials;
  /** Set when the state dir is not the default `.local/`: the CLI needs to be told it too. */
  stateDirArgument?: string | undefined;
}): string {
  const stateDirFlag =
    backend.stateDirArgument === undefined ? '' : ` --state-dir ${backend.stateDirArgument}`;
  const { accessKeyId, secretAccessKey } = backend.endpointCredentials;

  return `kube-aws embedded backend (nothing here talks to AWS; applies are recorded as PLANNED)
  HTTP API     ${backend.apiUrl}
  S3 endpoint  ${backend.s3Endpoint}  (bucket ${SUBMISSIONS_BUCKET})
  state        ${backend.stateDir}
  health       ${backend.apiUrl}/healthz

Submit over HTTP:
  curl -X POST --data-binary @examples/cluster.yaml -H 'Content-Type: application/yaml' ${backend.apiUrl}/clusters
Not on Linux, add this start's token (the kube-aws CLI sends it by itself):
  -H "Authorization: Bearer $(node -p "require('${quoteForTokenCommand(path.join(backend.stateDir, BACKEND_FILE_NAME))}').apiToken")"

Submit by upload (the answer lands beside it as validation.json; the key is this state dir's,
also printed by npx kube-aws credentials${stateDirFlag}):
  AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} aws --region us-east-1 --endpoint-url ${backend.s3Endpoint} s3 cp examples/cluster.yaml s3://${SUBMISSIONS_BUCKET}/clusters/demo/cluster.yaml

Follow it:
  npx kube-aws history demo${stateDirFlag}

Stop with Ctrl-C.
`;
}

/**
 * The backend.json path as it sits in the token command: inside a JavaScript string in single
 * quotes, itself inside shell double quotes. Usual paths come out unchanged.
 */
export function quoteForTokenCommand(file: string): string {
  const javascript = file.replace(/[\\']/g, (char) => `\\${char}`);

  return javascript.replace(/[\\"$`]/g, (char) => `\\${char}`);
}
