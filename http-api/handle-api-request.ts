import { toPublicReport } from '../cluster-config/format-findings.ts';
import {
  CLUSTER_NAME_MAX_LENGTH,
  CLUSTER_NAME_PATTERN,
  isClusterName,
} from '../lib/cluster-name.ts';
import {
  describeError,
  IntegrityError,
  InvariantError,
  isProductError,
  NotFoundError,
  ValidationError,
} from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { readVerifiedText } from '../lib/read-verified-object.ts';
import type { Deps } from '../pipeline/deps.ts';
import { submitClusterYaml } from '../pipeline/submit.ts';
import { readValidationReport } from '../pipeline/validate-step.ts';
import type { Finding } from '../schemas/finding.ts';
import {
  type ApiRequest,
  type ApiResponse,
  errorResponse,
  jsonResponse,
  MAX_BODY_BYTES,
} from './api-types.ts';
import { type PageQuery, readPageQuery } from './read-page-query.ts';
import { readSubmissionBody, UnsupportedMediaTypeError } from './read-submission-body.ts';

const REVISION_NUMBER = /^[1-9][0-9]{0,8}$/;

/**
 * The one router of the HTTP API, shared by the embedded server and the API Gateway handlers.
 * Every answer is JSON; errors are `{error: {code, message}}` and never carry internals.
 */
export async function handleApiRequest(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  try {
    return await routeRequest(request, deps);
  } catch (error: unknown) {
    return describeFailure(error);
  }
}

async function routeRequest(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const method = request.method.toUpperCase();
  if (segments[0] !== 'clusters') return notFound(request.path);

  if (segments.length === 1) {
    if (method !== 'POST') return methodNotAllowed(method, 'POST');
    return submitRequest(request, deps);
  }

  const cluster = readClusterName(segments[1]);
  if (method !== 'GET') return methodNotAllowed(method, 'GET');
  if (segments.length === 2) return getCluster(cluster, deps);
  if (segments[2] !== 'revisions') return notFound(request.path);
  if (segments.length === 3)
    return listRevisions(cluster, readPageQuery(request.query ?? {}), deps);

  const revision = readRevisionNumber(segments[3]);
  if (segments.length === 4) return getRevision(cluster, revision, deps);
  if (segments.length === 5 && segments[4] === 'template') {
    return getTemplate(cluster, revision, deps);
  }
  if (segments.length === 5 && segments[4] === 'history') {
    return getHistory(cluster, revision, deps);
  }
  if (segments.length === 5 && segments[4] === 'validation') {
    return getValidation(cluster, revision, deps);
  }

  return notFound(request.path);
}

async function submitRequest(request: ApiRequest, deps: Deps): Promise<ApiResponse> {
  const body = request.body ?? '';
  const size =
    request.bodyBytes ??
    (typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength);
  if (size > MAX_BODY_BYTES) {
    return errorResponse(
      413,
      'PAYLOAD_TOO_LARGE',
      `body must be at most ${MAX_BODY_BYTES} bytes (received ${size})`,
    );
  }

  const headers = lowerCaseHeaders(request.headers);
  const document = readSubmissionBody(headers['content-type'], body);
  const idempotencyKey = headers['idempotency-key'];
  const rotate = readRotateHeader(headers['x-kube-aws-rotate']);
  const allowReplace = readAllowReplaceHeader(headers['x-kube-aws-allow-replace']);
  const submitted = await submitClusterYaml(
    {
      ...(rotate === undefined ? {} : { rotate }),
      ...(allowReplace ? { allowReplace } : {}),
      body: document.body,
      file: document.file,
      source: { kind: readClientKind(headers['x-kube-aws-client']) },
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      submitter: request.identity,
      ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
    },
    deps,
  );

  return jsonResponse(202, {
    cluster: submitted.cluster,
    revision: submitted.revision,
    outcome: submitted.outcome,
    ...(submitted.executionArn === undefined ? {} : { executionArn: submitted.executionArn }),
    ...(submitted.queuePosition === undefined ? {} : { queuePosition: submitted.queuePosition }),
    warnings: toPublicReport({ valid: true, errors: [], warnings: submitted.warnings }).warnings,
    links: revisionLinks(submitted.cluster, submitted.revision),
  });
}

/** The CLI labels its submissions, and an export apart from an `up`; anything else is the API. */
function readClientKind(header: string | undefined): 'cli' | 'export' | 'api' {
  if (header === 'cli') return 'cli';
  if (header === 'cli-export') return 'export';

  return 'api';
}

/** `X-Kube-Aws-Rotate: apiserver, kubelet` (or `all`): the assets this revision re-issues. */
function readRotateHeader(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim());
  // As the CLI's --rotate: an empty name is a slip (a doubled comma), never "nothing".
  if (names.some((name) => name === '')) {
    throw new ValidationError(
      `X-Kube-Aws-Rotate must name TLS assets, comma-separated with none empty (received ${JSON.stringify(value.slice(0, 80))}); send e.g. apiserver,kubelet or all`,
    );
  }

  return names;
}

/** `X-Kube-Aws-Allow-Replace: true` lets the revision replace controllers and etcd volumes. */
function readAllowReplaceHeader(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ValidationError(
    `X-Kube-Aws-Allow-Replace header must be true or false (received ${JSON.stringify(value.slice(0, 40))})`,
  );
}

async function getCluster(cluster: string, deps: Deps): Promise<ApiResponse> {
  const record = await deps.revisions.getCluster(cluster);
  if (record === undefined) return clusterNotFound(cluster);

  return jsonResponse(200, {
    ...record,
    links: {
      self: `/clusters/${cluster}`,
      revisions: `/clusters/${cluster}/revisions`,
      ...(record.latestRevision > 0
        ? { latest: `/clusters/${cluster}/revisions/${record.latestRevision}` }
        : {}),
    },
  });
}

async function listRevisions(cluster: string, page: PageQuery, deps: Deps): Promise<ApiResponse> {
  const record = await deps.revisions.getCluster(cluster);
  if (record === undefined) return clusterNotFound(cluster);
  const { revisions, more } = await deps.revisions.listPage(cluster, page);
  const oldest = revisions.at(-1)?.revision;

  // A change summary runs to kilobytes (14 KB for the example), and a list is read to find the
  // latest or the queued revisions: each entry leaves it out, and its `self` link has it.
  // Pages keep an answer within Lambda's 6 MB whatever the number of revisions.
  return jsonResponse(200, {
    cluster,
    revisions: revisions.map(({ changeSummary: _omitted, ...revision }) => ({
      ...revision,
      links: { self: `/clusters/${cluster}/revisions/${revision.revision}` },
    })),
    links:
      more && oldest !== undefined
        ? { next: `/clusters/${cluster}/revisions?limit=${page.limit}&before=${oldest}` }
        : {},
  });
}

async function getRevision(cluster: string, revision: number, deps: Deps): Promise<ApiResponse> {
  const found = await deps.revisions.get(cluster, revision);
  if (found === undefined) return revisionNotFound(cluster, revision);

  return jsonResponse(200, { ...found, links: revisionLinks(cluster, revision) });
}

async function getTemplate(cluster: string, revision: number, deps: Deps): Promise<ApiResponse> {
  const found = await deps.revisions.get(cluster, revision);
  if (found === undefined) return revisionNotFound(cluster, revision);
  if (found.templateKey === undefined) {
    return errorResponse(
      404,
      'NOT_FOUND',
      `revision ${revision} of cluster ${cluster} has no rendered template (status ${found.status})`,
    );
  }
  if (found.templateSha256 === undefined) {
    throw new InvariantError(
      `revision ${revision} of cluster ${cluster} must record templateSha256 beside templateKey (received none)`,
    );
  }
  // The bytes served are the bytes recorded: a template changed in the bucket is refused.
  try {
    const body = await readVerifiedText(deps.artifacts, found.templateKey, found.templateSha256);

    return { status: 200, headers: { 'content-type': 'application/json' }, body };
  } catch (error: unknown) {
    if (error instanceof NotFoundError) {
      return errorResponse(404, 'NOT_FOUND', `template of revision ${revision} is missing`);
    }
    if (error instanceof IntegrityError) return errorResponse(500, 'INTEGRITY', error.message);
    throw error;
  }
}

async function getHistory(cluster: string, revision: number, deps: Deps): Promise<ApiResponse> {
  const found = await deps.revisions.get(cluster, revision);
  if (found === undefined) return revisionNotFound(cluster, revision);
  const events =
    found.executionArn === undefined ? [] : await deps.workflow.history(found.executionArn);

  return jsonResponse(200, { cluster, revision, executionArn: found.executionArn, events });
}

/**
 * Every finding of a revision that failed the Validate state, and where the report is stored. A
 * revision that did not fail has none, whatever the bucket holds under its key.
 */
async function getValidation(cluster: string, revision: number, deps: Deps): Promise<ApiResponse> {
  const found = await deps.revisions.get(cluster, revision);
  if (found === undefined) return revisionNotFound(cluster, revision);
  const noFindings = () =>
    errorResponse(
      404,
      'NOT_FOUND',
      `revision ${revision} of cluster ${cluster} has no stored validation findings (status ${found.status})`,
    );
  // Only the Validate state stores findings: a revision that failed elsewhere has none, and
  // without a recorded hash (older revisions) the error's name is what says Validate failed it.
  const failedValidate =
    found.validationReportSha256 !== undefined || found.error?.name === 'ValidationError';
  if (found.status !== 'FAILED' || !failedValidate) return noFindings();
  try {
    const stored = await readValidationReport(deps, found);
    if (stored === undefined) return noFindings();

    return jsonResponse(200, { cluster, revision, location: stored.location, ...stored.report });
  } catch (error: unknown) {
    if (error instanceof IntegrityError) return errorResponse(500, 'INTEGRITY', error.message);
    throw error;
  }
}

function revisionLinks(cluster: string, revision: number): Record<string, string> {
  const self = `/clusters/${cluster}/revisions/${revision}`;

  return {
    self,
    cluster: `/clusters/${cluster}`,
    template: `${self}/template`,
    history: `${self}/history`,
  };
}

class BadPathError extends Error {
  override readonly name = 'BadPathError';
}

function readClusterName(segment: string | undefined): string {
  const name = decodeSegment(segment ?? '');
  // Checked before a name reaches any store or key.
  if (!isClusterName(name)) {
    throw new BadPathError(
      `cluster name must match ${CLUSTER_NAME_PATTERN.source} and be at most ${CLUSTER_NAME_MAX_LENGTH} characters (received ${JSON.stringify(name.slice(0, 64))})`,
    );
  }

  return name;
}

function readRevisionNumber(segment: string | undefined): number {
  const text = decodeSegment(segment ?? '');
  if (!REVISION_NUMBER.test(text)) {
    throw new BadPathError(
      `revision must be a positive integer (received ${JSON.stringify(text.slice(0, 16))})`,
    );
  }

  return Number(text);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // An undecodable segment is shown as sent; the name rule then rejects it.
    return segment;
  }
}

function lowerCaseHeaders(headers: ApiRequest['headers']): Record<string, string | undefined> {
  const lowered: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;

  return lowered;
}

function notFound(path: string): ApiResponse {
  return errorResponse(404, 'NOT_FOUND', `no route for ${JSON.stringify(path.slice(0, 100))}`);
}

function clusterNotFound(cluster: string): ApiResponse {
  return errorResponse(404, 'NOT_FOUND', `cluster ${cluster} has no revisions`);
}

function revisionNotFound(cluster: string, revision: number): ApiResponse {
  return errorResponse(404, 'NOT_FOUND', `cluster ${cluster} has no revision ${revision}`);
}

function methodNotAllowed(method: string, allowed: string): ApiResponse {
  const response = errorResponse(
    405,
    'METHOD_NOT_ALLOWED',
    `method must be ${allowed} (received ${method.slice(0, 16)})`,
  );
  response.headers.allow = allowed;

  return response;
}

function describeFailure(error: unknown): ApiResponse {
  if (error instanceof BadPathError) return errorResponse(400, 'BAD_PATH', error.message);
  if (error instanceof UnsupportedMediaTypeError) {
    return errorResponse(415, 'UNSUPPORTED_MEDIA_TYPE', error.message);
  }
  if (error instanceof ValidationError) {
    const findings = error.findings as Finding[];
    if (findings.length > 0) {
      const report = toPublicReport({
        valid: false,
        errors: findings.filter((finding) => finding.severity === 'error'),
        warnings: findings.filter((finding) => finding.severity === 'warning'),
      });

      return jsonResponse(400, { ...report, error: { code: error.code, message: error.message } });
    }
  }
  if (isProductError(error) && error.status < 500) {
    return errorResponse(error.status, error.code, error.message);
  }

  // Dependency failures and our own bugs are logged in full and answered without internals.
  logger.error('api request failed', { error: describeError(error) });
  if (isProductError(error) && error.code === 'DEPENDENCY') {
    return errorResponse(502, 'DEPENDENCY', 'a backend dependency failed; retry later');
  }

  return errorResponse(500, 'INTERNAL', 'the request failed inside the backend');
}
