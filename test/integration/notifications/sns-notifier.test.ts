import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../../adapters/aws/sns-notifier.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);

/** moto delivers SNS messages to HTTP subscribers for real; this server is that subscriber. */
function startSubscriber(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      bodies.push(body);
      response.end();
    });
  });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/notices`, bodies });
    });
  });
}

async function waitFor<T>(probe: () => T | undefined, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing arrived within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!hasMoto)('SnsNotifier against moto', () => {
  let moto: MotoServer;
  let subscriber: Awaited<ReturnType<typeof startSubscriber>>;

  beforeAll(async () => {
    moto = await startMoto();
    subscriber = await startSubscriber();
  });

  afterAll(async () => {
    await moto?.stop();
    subscriber?.server.close();
  });

  it('publishes the cluster, revision, status and cause of a failed revision to the topic', async () => {
    const client = new SNSClient(motoClientConfig(moto.endpoint));
    const topic = await client.send(new CreateTopicCommand({ Name: 'revision-failures' }));
    await client.send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn,
        Protocol: 'http',
        Endpoint: subscriber.url,
      }),
    );
    const notifier = new SnsNotifier({
      topicArn: topic.TopicArn!,
      ...motoClientConfig(moto.endpoint),
    });

    await notifier.notifyRevisionFailed({
      cluster: 'demo',
      revision: 7,
      status: 'ROLLED_BACK',
      cause: 'Controller0 UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 1',
    });

    const delivered = await waitFor(
      () =>
        subscriber.bodies
          .map((body) => JSON.parse(body) as { Type: string; Subject?: string; Message: string })
          .find((body) => body.Type === 'Notification'),
      10_000,
    );
    expect(delivered.Subject).toBe('kube-aws: demo revision 7 ROLLED_BACK');
    expect(JSON.parse(delivered.Message)).toEqual({
      cluster: 'demo',
      revision: 7,
      status: 'ROLLED_BACK',
      cause: 'Controller0 UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 1',
    });
    notifier.destroy();
    client.destroy();
  });
});
