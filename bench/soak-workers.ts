import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  SUBMISSIONS_BUCKET,
  type startEmbeddedBackend,
} from '../embedded/start-embedded-backend.ts';
import { TERMINAL_STATUSES } from '../schemas/revision.ts';
import { renameCluster } from '../test/fixtures/bench/generate-node-pools.ts';
import { HTTP_CLUSTERS, type SoakLedger } from './soak-checks.ts';

type Backend = Awaited<ReturnType<typeof startEmbeddedBackend>>;

export interface SoakContext {
  backend: Backend;
  example: string;
  deadline: number;
  maxRequests: number;
  requests: number;
  ledger: SoakLedger;
}

const TERMINAL_DEADLINE_MS = 180_000;
const VALIDATION_DEADLINE_MS = 120_000;
const POLL_MS = 200;
const IDEMPOTENT_RETRIES = 3;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP client: a fixed rotation of request kinds over the shared clusters. */
export async function runHttpWorker(context: SoakContext, worker: number): Promise<void> {
  for (let step = 0; takeRequest(context); step += 1) {
    const cluster = HTTP_CLUSTERS[(step + worker) % HTTP_CLUSTERS.length] ?? 'soak-h1';
    const valid = `${renameCluster(context.example, cluster)}# soak ${worker}-${step}\n`;
    const kind = (step + worker * 3) % 10;
    if (kind <= 2) await submitValid(context, cluster, valid);
    else if (kind === 3) await submitWithRetries(context, cluster, valid, `soak-${worker}-${step}`);
    else if (kind <= 5) {
      const invalid = valid.replace(/^workerCount: .*$/m, 'workerCount: two');
      await expectStatus(context, 'http invalid yaml', 'POST', '/clusters', 400, invalid);
    } else if (kind === 6) {
      await expectStatus(
        context,
        'http wrong media type',
        'POST',
        '/clusters',
        415,
        valid,
        'text/plain',
      );
    } else if (kind === 7) {
      await expectStatus(
        context,
        'http traversal in path',
        'GET',
        '/clusters/..%2F..%2Fetc/revisions',
        400,
      );
    } else if (kind === 8 && step % 4 === 0) {
      await expectStatus(
        context,
        'http oversized body',
        'POST',
        '/clusters',
        413,
        'a'.repeat(300 * 1024),
      );
    } else {
      count(context, 'http read revisions');
      const answer = await call(context, 'GET', `/clusters/${cluster}/revisions`);
      if (answer.status !== 200 && answer.status !== 404) {
        violate(
          context,
          `GET /clusters/${cluster}/revisions must answer 200 or 404 (received ${answer.status})`,
        );
      }
    }
  }
}

async function submitValid(context: SoakContext, cluster: string, yaml: string): Promise<void> {
  count(context, 'http valid submission');
  const answer = await call(context, 'POST', '/clusters', yaml);
  const revision = readAccepted(context, 'valid POST', answer, cluster);
  if (revision === undefined) return;
  context.ledger.accepted.push({ cluster, revision, via: 'http' });
  await waitForTerminal(context, cluster, revision);
}

/** The same submission sent IDEMPOTENT_RETRIES times at once with one key, then once more late. */
async function submitWithRetries(context: SoakContext, cluster: string, yaml: string, key: string) {
  count(context, 'http idempotent submission (x3 at once, +1 late)');
  const headers = { 'idempotency-key': key };
  const answers = await Promise.all(
    Array.from({ length: IDEMPOTENT_RETRIES }, () =>
      call(context, 'POST', '/clusters', yaml, 'application/yaml', headers),
    ),
  );
  context.requests += IDEMPOTENT_RETRIES - 1;
  const revisions = answers.map((answer) =>
    readAccepted(context, 'idempotent POST', answer, cluster),
  );
  const first = revisions[0];
  if (first === undefined) return;
  if (revisions.some((revision) => revision !== first)) {
    violate(
      context,
      `${IDEMPOTENT_RETRIES} POSTs with Idempotency-Key ${key} must share one revision (received ${revisions.join(', ')})`,
    );
  }
  context.ledger.accepted.push({ cluster, revision: first, via: 'http' });
  await waitForTerminal(context, cluster, first);

  context.requests += 1;
  const late = await call(context, 'POST', '/clusters', yaml, 'application/yaml', headers);
  if (late.status !== 202 || late.body.revision !== first || late.body.outcome !== 'duplicate') {
    violate(
      context,
      `a late retry with Idempotency-Key ${key} must answer 202 duplicate of revision ${first} (received ${late.status} ${String(late.body.outcome)} ${String(late.body.revision)})`,
    );
  }
  context.requests += 1;
  const changed = await call(
    context,
    'POST',
    '/clusters',
    `${yaml}# changed\n`,
    'application/yaml',
    headers,
  );
  if (changed.status !== 409) {
    violate(
      context,
      `Idempotency-Key ${key} reused for another document must answer 409 (received ${changed.status})`,
    );
  }
}

/** One uploader per S3 cluster, so each validation.json answers exactly one upload. */
export async function runS3Worker(context: SoakContext, cluster: string): Promise<void> {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: context.backend.s3Endpoint,
    forcePathStyle: true,
    credentials: context.backend.endpointCredentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const yamlKey = `clusters/${cluster}/cluster.yaml`;
  const validationKey = `clusters/${cluster}/validation.json`;
  let previous: { yaml: string; revision: number } | undefined;
  try {
    for (let step = 0; takeRequest(context); step += 1) {
      const kind = step % 3;
      const repeat = kind === 2 && previous !== undefined ? previous : undefined;
      const yaml =
        repeat?.yaml ??
        (kind === 1
          ? renameCluster(context.example, cluster).replace(
              /^workerCount: .*$/m,
              'workerCount: two',
            )
          : `${renameCluster(context.example, cluster)}# upload ${step}\n`);
      count(
        context,
        repeat !== undefined
          ? 's3 repeated upload (same bytes)'
          : kind === 1
            ? 's3 invalid upload'
            : 's3 valid upload',
      );

      await s3.send(new DeleteObjectCommand({ Bucket: SUBMISSIONS_BUCKET, Key: validationKey }));
      await s3.send(
        new PutObjectCommand({
          Bucket: SUBMISSIONS_BUCKET,
          Key: yamlKey,
          Body: yaml,
          ContentType: 'application/yaml',
        }),
      );
      const validation = await pollValidation(context, s3, validationKey);
      if (validation === undefined) {
        violate(
          context,
          `validation.json of upload ${step} to ${cluster} must appear within ${VALIDATION_DEADLINE_MS / 1000} s (received none)`,
        );
        continue;
      }
      if (kind === 1) {
        if (validation.valid !== false)
          violate(
            context,
            `an invalid upload to ${cluster} must be answered valid: false (received ${JSON.stringify(validation).slice(0, 200)})`,
          );
        continue;
      }
      const revision = validation.revision;
      if (validation.valid !== true || typeof revision !== 'number') {
        violate(
          context,
          `a valid upload to ${cluster} must be answered with a revision (received ${JSON.stringify(validation).slice(0, 200)})`,
        );
        continue;
      }
      if (repeat !== undefined) {
        if (revision !== repeat.revision || validation.outcome !== 'duplicate') {
          violate(
            context,
            `the same bytes uploaded again to ${cluster} must be a duplicate of revision ${repeat.revision} (received ${String(validation.outcome)} ${revision})`,
          );
        }
        continue;
      }
      context.ledger.accepted.push({ cluster, revision, via: 's3' });
      previous = { yaml, revision };
      await waitForTerminal(context, cluster, revision);
    }
  } finally {
    s3.destroy();
  }
}

async function pollValidation(
  context: SoakContext,
  s3: S3Client,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + VALIDATION_DEADLINE_MS;
  while (Date.now() < deadline) {
    let text: string | undefined;
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: SUBMISSIONS_BUCKET, Key: key }));
      text = await object.Body?.transformToString('utf8');
    } catch (error: unknown) {
      if (!(error instanceof NoSuchKey)) throw error;
    }
    if (text !== undefined) {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        // s3rver writes an object in place, so a read during the write can see part of it
        // (S3 itself never shows a partial object); count it and read again.
        count(context, 's3 validation.json read while being written');
      }
    }
    await sleep(POLL_MS);
  }

  return undefined;
}

/** Back-pressure: a client waits for its run before sending more, as a user following it would. */
async function waitForTerminal(
  context: SoakContext,
  cluster: string,
  revision: number,
): Promise<void> {
  const deadline = Date.now() + TERMINAL_DEADLINE_MS;
  while (Date.now() < deadline) {
    const answer = await call(context, 'GET', `/clusters/${cluster}/revisions/${revision}`);
    if (
      answer.status === 200 &&
      (TERMINAL_STATUSES as readonly unknown[]).includes(answer.body.status)
    ) {
      return;
    }
    await sleep(POLL_MS);
  }
  violate(
    context,
    `revision ${cluster}/${revision} must end within ${TERMINAL_DEADLINE_MS / 1000} s (received no terminal status)`,
  );
}

function readAccepted(
  context: SoakContext,
  label: string,
  answer: Answer,
  cluster: string,
): number | undefined {
  const revision = answer.body.revision;
  if (answer.status !== 202 || answer.body.cluster !== cluster || typeof revision !== 'number') {
    violate(
      context,
      `${label} to ${cluster} must answer 202 with a revision (received ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)})`,
    );
    return undefined;
  }

  return revision;
}

async function expectStatus(
  context: SoakContext,
  kind: string,
  method: string,
  route: string,
  expected: number,
  body?: string,
  contentType = 'application/yaml',
): Promise<void> {
  count(context, kind);
  const answer = await call(context, method, route, body, contentType);
  const code = (answer.body.error as { code?: unknown } | undefined)?.code;
  if (answer.status !== expected || typeof code !== 'string') {
    violate(
      context,
      `${kind}: ${method} ${route} must answer ${expected} with an error code (received ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)})`,
    );
  }
}

async function call(
  context: SoakContext,
  method: string,
  route: string,
  body?: string,
  contentType = 'application/yaml',
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${context.backend.apiUrl}${route}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': contentType }), ...extraHeaders },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A non-JSON answer is itself a finding; the caller reports the status and this marker.
    parsed = { nonJson: text.slice(0, 120) };
  }

  return { status: response.status, body: parsed };
}

function takeRequest(context: SoakContext): boolean {
  if (Date.now() >= context.deadline || context.requests >= context.maxRequests) return false;
  context.requests += 1;

  return true;
}

function count(context: SoakContext, kind: string): void {
  context.ledger.counts.set(kind, (context.ledger.counts.get(kind) ?? 0) + 1);
}

function violate(context: SoakContext, message: string): void {
  context.ledger.violations.push(message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
