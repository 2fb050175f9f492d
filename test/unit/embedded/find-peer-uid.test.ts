import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeerCheck } from '../../../embedded/check-peer-user.ts';
import {
  createPeerUidFinder,
  findListenerUids,
  formatTableAddress,
  parseProcNetTcp,
} from '../../../embedded/find-peer-uid.ts';

const TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 297 1 0 100 0 0 10 0',
  '   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 8812 1 0 20 4 30 10 -1',
  '   2: 0100007F:9C41 0100007F:1F90 06 00000000:00000000 03:00000F3C 00000000     0        0 0 3 0',
  '',
].join('\n');

describe('the peer uid lookup', () => {
  let server: Server;
  let accepted: Promise<Socket>;
  let client: Socket;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-peer-uid-'));
    server = createServer();
    accepted = new Promise((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { createConnection } = await import('node:net');
    const address = server.address() as { port: number };
    client = createConnection(address.port, '127.0.0.1');
  });
  afterAll(async () => {
    client?.destroy();
    (await accepted)?.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('reads each socket of the table with its owner and inode', () => {
    expect(parseProcNetTcp(TABLE)).toEqual([
      { local: '0100007F:1F90', remote: '00000000:0000', state: '0A', uid: 0, inode: '297' },
      { local: '0100007F:9C40', remote: '0100007F:1F90', state: '01', uid: 65534, inode: '8812' },
      { local: '0100007F:9C41', remote: '0100007F:1F90', state: '06', uid: 0, inode: '0' },
    ]);
  });

  it('finds the owners of the sockets listening on an address, not those connected to it', async () => {
    const table = path.join(root, 'tcp');
    await writeFile(table, TABLE);

    expect(await findListenerUids('127.0.0.1', 8080, table)).toEqual([0]);
    expect(await findListenerUids('127.0.0.1', 40000, table)).toEqual([]);
    expect(await findListenerUids('127.0.0.1', 8080, path.join(root, 'absent'))).toBe(
      'unavailable',
    );
  });

  it('writes 127.0.0.1 port 8080 as the little-endian table does', () => {
    expect(formatTableAddress('127.0.0.1', 8080)).toBe('0100007F:1F90');
  });

  it('finds this process as the owner of its own loopback connection', async () => {
    const socket = await accepted;
    const finder = createPeerUidFinder();

    const uid = await finder(socket);

    expect(uid).toBe(process.getuid?.());
  });

  it('takes a socket held by no process (inode 0, uid shown as 0) for another user', async () => {
    const file = path.join(root, 'tcp');
    await writeFile(file, TABLE);
    const check = createPeerCheck({ tablePath: file, uid: 0 });
    const orphan = {
      remoteAddress: '127.0.0.1',
      remotePort: 0x9c41,
      localAddress: '127.0.0.1',
      localPort: 0x1f90,
    } as Socket;
    const stranger = { ...orphan, remotePort: 0x9c40 } as Socket;

    expect([await check(orphan), await check(stranger)]).toEqual(['other-user', 'other-user']);
  });

  it('says unavailable where the table cannot be read', async () => {
    const check = createPeerCheck({ tablePath: path.join(root, 'missing'), uid: 0 });

    expect(await check(await accepted)).toBe('unavailable');
  });
});
