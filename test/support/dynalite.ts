import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { revisionTableDefinition } from '../../adapters/aws/dynamodb-revision-store.ts';

// dynalite ships CommonJS without type declarations; this is the one typed entry point to it.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { createTableMs?: number }) => Server;

export interface DynaliteServer {
  endpoint: string;
  /** Client settings for the AWS SDK pointed at this server (fake credentials). */
  clientConfig: {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Creates a revisions table (pk/sk) and returns its name. */
  createRevisionTable(tableName?: string): Promise<string>;
  stop(): Promise<void>;
}

let tableCounter = 0;

/** Starts dynalite in memory on 127.0.0.1 with a free port; every suite gets its own server. */
export async function startDynalite(): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
  };

  return {
    endpoint,
    clientConfig,
    createRevisionTable: (tableName) => createRevisionTable(clientConfig, tableName),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Creates a fresh revisions table on any DynamoDB endpoint (dynalite or moto). */
export async function createRevisionTable(
  clientConfig: DynaliteServer['clientConfig'],
  tableName = `revisions-${process.pid}-${++tableCounter}`,
): Promise<string> {
  const client = new DynamoDBClient(clientConfig);
  try {
    await client.send(new CreateTableCommand(revisionTableDefinition(tableName)));
  } finally {
    client.destroy();
  }

  return tableName;
}
