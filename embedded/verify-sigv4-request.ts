import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{8})T\d{6}Z$/;
/** Presigned URLs live at most a week in S3 too. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * How far a signature's time may stand from the server clock, as in AWS: a captured request
 * replays for at most this long, and a presigned URL cannot be dated into the future to outlive
 * its expiry.
 */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

interface SignatureParts {
  accessKeyId: string;
  scope: string;
  date: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  /** What the signature says the body hashes to; undefined when the caller supplies it. */
  claimedPayloadHash: string | undefined;
  /** The raw query pairs that take part in the canonical request. */
  queryPairs: Array<[string, string]>;
}

export interface SigV4Check {
  credentials: SigV4Credentials;
  /** The service the credential scope must name (`s3`, `dynamodb`). */
  service: string;
  /**
   * The hex sha256 of the whole body, for a service whose signature covers the body itself
   * (DynamoDB): the caller has read the body, and only an Authorization header is accepted. Left
   * out for S3, where the signed `x-amz-content-sha256` header stands for the body.
   */
  bodyHash?: string;
  now?: Date;
}

/**
 * Checks a SigV4 signature (Authorization header, or for S3 a presigned query) against the one
 * key pair the emulators accept. s3rver 3 accepts any SigV4 signature without computing it and
 * dynalite checks none, so this is the check. Returns the reason the request fails, or undefined
 * when the signature is right.
 */
export function findSigV4Failure(req: IncomingMessage, check: SigV4Check): string | undefined {
  const checked = checkSignatureParts(req, check);
  if (typeof checked === 'string') return checked;
  const { parts, rawPath } = checked;
  const payloadHash = check.bodyHash ?? parts.claimedPayloadHash;
  if (payloadHash === undefined) return 'the x-amz-content-sha256 header is missing';
  const [, region, service, terminator] = parts.scope.split('/') as [
    string,
    string,
    string,
    string,
  ];

  const canonicalHeaders: string[] = [];
  for (const name of parts.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return 'a signed header is missing';
    const joined = Array.isArray(value) ? value.join(',') : value;
    canonicalHeaders.push(`${name}:${joined.trim().replace(/\s+/g, ' ')}\n`);
  }
  const canonicalRequest = [
    req.method ?? 'GET',
    rawPath,
    canonicalQuery(parts.queryPairs),
    canonicalHeaders.join(''),
    parts.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = [
    ALGORITHM,
    parts.amzDate,
    parts.scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${check.credentials.secretAccessKey}`, parts.date);
  for (const step of [region, service, terminator]) key = hmac(key, step);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const provided = Buffer.from(parts.signature, 'hex');
  if (provided.byteLength !== expected.byteLength || !timingSafeEqual(provided, expected)) {
    return 'the signature does not match';
  }

  return undefined;
}

/**
 * Everything about a signature that can be checked before the body arrives: its form, the
 * access key id, the scope, the signed headers and the time. A DynamoDB request that fails here
 * is refused without reading a byte of its body.
 */
export function findSigV4HeaderFailure(
  req: IncomingMessage,
  check: Omit<SigV4Check, 'bodyHash'> & { bodyHashFollows?: boolean },
): string | undefined {
  const checked = checkSignatureParts(req, {
    ...check,
    ...(check.bodyHashFollows === true ? { bodyHash: '' } : {}),
  });

  return typeof checked === 'string' ? checked : undefined;
}

function checkSignatureParts(
  req: IncomingMessage,
  check: SigV4Check,
): { parts: SignatureParts; rawPath: string } | string {
  const { credentials, bodyHash } = check;
  const now = check.now ?? new Date();
  const rawUrl = req.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : rawUrl.slice(queryStart + 1);
  const pairs = parseQuery(rawQuery);
  if (pairs === undefined) return 'the query string is not valid percent-encoding';

  if (!req.headers.authorization && bodyHash !== undefined) {
    return 'the signature must be in the authorization header';
  }
  const parts = req.headers.authorization
    ? readHeaderSignature(req, pairs, now)
    : readQuerySignature(pairs, now);
  if (typeof parts === 'string') return parts;
  if (parts.accessKeyId !== credentials.accessKeyId) return 'the access key id is unknown';
  const [scopeDate, region, service, terminator] = parts.scope.split('/');
  if (
    scopeDate !== parts.date ||
    !region ||
    service !== check.service ||
    terminator !== 'aws4_request'
  ) {
    return `the credential scope is not <date>/<region>/${check.service}/aws4_request`;
  }
  if (!parts.signedHeaders.includes('host')) return 'the signature does not cover the host header';
  // An unsigned x-amz-* header would change what the request does (a copy source, a checksum,
  // metadata) without the key holder having asked for it. AWS checks the same for presigned URLs.
  const signed = new Set(parts.signedHeaders);
  if (Object.keys(req.headers).some((name) => name.startsWith('x-amz-') && !signed.has(name))) {
    return 'every x-amz-* header must be signed';
  }

  return { parts, rawPath };
}

function readHeaderSignature(
  req: IncomingMessage,
  queryPairs: Array<[string, string]>,
  now: Date,
): SignatureParts | string {
  const header = String(req.headers.authorization);
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/([^\s,]+), ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) return 'the authorization header is not a SigV4 header';
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const date = AMZ_DATE.exec(amzDate)?.[1];
  if (!date) return 'the x-amz-date header is missing or malformed';
  const signedAt = parseAmzDate(amzDate);
  if (!(Math.abs(now.getTime() - signedAt) <= MAX_CLOCK_SKEW_MS)) {
    return 'the x-amz-date is more than 15 minutes from the server clock';
  }
  const claimed = req.headers['x-amz-content-sha256'];

  return {
    accessKeyId: match[1] as string,
    scope: match[2] as string,
    date,
    amzDate,
    signedHeaders: (match[3] as string).split(';'),
    signature: match[4] as string,
    claimedPayloadHash: typeof claimed === 'string' ? claimed : undefined,
    queryPairs,
  };
}

function readQuerySignature(pairs: Array<[string, string]>, now: Date): SignatureParts | string {
  const value = (name: string) => pairs.find(([key]) => key === name)?.[1];
  if (value('X-Amz-Algorithm') !== ALGORITHM) return 'the presigned algorithm is not SigV4';
  const credential = value('X-Amz-Credential') ?? '';
  const slash = credential.indexOf('/');
  const amzDate = value('X-Amz-Date') ?? '';
  const date = AMZ_DATE.exec(amzDate)?.[1];
  const expires = Number(value('X-Amz-Expires'));
  const signature = value('X-Amz-Signature') ?? '';
  if (slash <= 0 || !date || !/^[0-9a-f]{64}$/.test(signature)) {
    return 'the presigned query is incomplete';
  }
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    return 'the presigned expiry is out of range';
  }
  const signedAt = parseAmzDate(amzDate);
  // Without this a URL dated years ahead would work from now until long after its expiry.
  if (!(signedAt <= now.getTime() + MAX_CLOCK_SKEW_MS)) {
    return 'the presigned url is dated more than 15 minutes ahead of the server clock';
  }
  if (!(now.getTime() <= signedAt + expires * 1000)) return 'the presigned url has expired';

  return {
    accessKeyId: credential.slice(0, slash),
    scope: credential.slice(slash + 1),
    date,
    amzDate,
    signedHeaders: (value('X-Amz-SignedHeaders') ?? '').split(';'),
    signature,
    claimedPayloadHash: value('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
    queryPairs: pairs.filter(([key]) => key !== 'X-Amz-Signature'),
  };
}

/** Milliseconds since the epoch of a `YYYYMMDDTHHMMSSZ` stamp already matched by AMZ_DATE. */
function parseAmzDate(amzDate: string): number {
  return Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T` +
      `${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
}

function parseQuery(rawQuery: string): Array<[string, string]> | undefined {
  if (rawQuery === '') return [];
  try {
    return rawQuery.split('&').map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      const value = equals === -1 ? '' : pair.slice(equals + 1);

      return [decodeQueryPart(name), decodeQueryPart(value)];
    });
  } catch {
    return undefined;
  }
}

function decodeQueryPart(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, '%20'));
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
