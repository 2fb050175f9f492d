import { readFileSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { revisionTableDefinition } from '../adapters/aws/dynamodb-revision-store.ts';
import { InvariantError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { guardDynamoDbRequests } from './guard-dynamodb-requests.ts';
import { listenOnLoopback } from './listen-on-loopback.ts';
import type { SigV4Credentials } from './verify-sigv4-request.ts';

// dynalite ships CommonJS without type declarations; this is its typed entry point.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
}) => Server;

export interface RevisionTable {
  endpoint: string;
  /** What a DynamoDB client of this table needs: region, endpoint and the state dir's key. */
  client: DynamoDBClientConfig & { region: string; endpoint: string };
  stop(): Promise<void>;
}

/**
 * dynalite on 127.0.0.1 with its LevelDB files in `directory`, behind the SigV4 guard, with the
 * revisions table created when missing.
 */
export async function startRevisionTable(options: {
  directory: string;
  tableName: string;
  region: string;
  credentials: SigV4Credentials;
}): Promise<RevisionTable> {
  warnWhenIteratorsLeak();
  const server = dynalite({ path: options.directory, createTableMs: 0 });
  // dynalite closes its database only through its own server's close, which needs a server that
  // listened; so that server is kept and its one request listener is wrapped in the guard.
  const handlers = server.listeners('request') as RequestListener[];
  const [handler] = handlers;
  if (handlers.length !== 1 || handler === undefined) {
    throw new InvariantError(
      `dynalite must register exactly one request listener (received ${handlers.length}); ` +
        'check the installed dynalite version',
    );
  }
  server.removeAllListeners('request');
  server.on('request', guardDynamoDbRequests(handler, { credentials: options.credentials }));
  limitConnections(server);
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const port = await listenOnLoopback(server, 0, 'the revision table');
  const endpoint = `http://127.0.0.1:${port}`;
  const client = { region: options.region, endpoint, credentials: options.credentials };
  try {
    await ensureTable(client, options.tableName);
  } catch (error: unknown) {
    await stop();
    throw error;
  }

  return { endpoint, client, stop };
}

/**
 * The product keeps a handful of connections to this port (one SDK client per process); a
 * stranger opening thousands must not cost memory or file descriptors, and one that sends its
 * headers or body slowly is cut off rather than held for Node's default 300 s.
 */
export const REVISION_TABLE_LIMITS = {
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
} as const;

function limitConnections(server: Server): void {
  // Connections past the cap are closed as soon as they are accepted.
  server.maxConnections = REVISION_TABLE_LIMITS.maxConnections;
  server.headersTimeout = REVISION_TABLE_LIMITS.headersTimeoutMs;
  // Node applies both on its 30 s connection-checking tick, so a cut may come up to 30 s late.
  server.requestTimeout = REVISION_TABLE_LIMITS.requestTimeoutMs;
}

/**
 * dynalite 4.0.0 ends the LevelDB iterator behind every Query and Scan by calling a `return`
 * method that abstract-level iterators do not have, so none is ever closed and each keeps its
 * snapshot and read-ahead in native memory (about 0.3 MiB a pipeline run in the soak).
 * `patches/dynalite+4.0.0.patch`, applied by `npm install`'s postinstall, closes them; an install
 * with `--ignore-scripts` skips it, which is worth a warning rather than a refusal.
 */
function warnWhenIteratorsLeak(): void {
  const source = readFileSync(join(dirname(require.resolve('dynalite')), 'db', 'index.js'), 'utf8');
  if (source.includes('iterator.return()')) {
    logger.warn('dynalite is not patched: every query leaks a LevelDB iterator', {
      remedy: 'run `npm ci` without --ignore-scripts, which applies patches/dynalite+4.0.0.patch',
    });
  }
}

async function ensureTable(client: DynamoDBClientConfig, tableName: string): Promise<void> {
  const dynamodb = new DynamoDBClient(client);
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error: unknown) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await dynamodb.send(new CreateTableCommand(revisionTableDefinition(tableName)));
  } finally {
    dynamodb.destroy();
  }
}
