import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { endianness } from 'node:os';

/** Linux's table of IPv4 TCP sockets in this network namespace, with each socket's owner uid. */
export const PROC_NET_TCP = '/proc/net/tcp';

/** A socket's owner, `unavailable` when the table cannot be read (not Linux). */
export type PeerUid = number | 'unknown' | 'unavailable';

export interface TcpSocketEntry {
  /** `ADDR:PORT` in the table's own hex form. */
  local: string;
  remote: string;
  /** The TCP state in hex: `0A` is LISTEN, `01` ESTABLISHED. */
  state: string;
  uid: number;
  /** 0 for a socket no process holds any more (TIME_WAIT, orphaned): its uid reads as 0. */
  inode: string;
}

/**
 * Parses `/proc/net/tcp`: one line per socket after the header, fields `sl local rem st queues
 * timer retransmits uid timeout inode ...`.
 */
export function parseProcNetTcp(text: string): TcpSocketEntry[] {
  const entries: TcpSocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const uid = Number(fields[7]);
    if (!Number.isInteger(uid)) continue;
    entries.push({
      local: (fields[1] as string).toUpperCase(),
      remote: (fields[2] as string).toUpperCase(),
      state: (fields[3] as string).toUpperCase(),
      uid,
      inode: fields[9] as string,
    });
  }

  return entries;
}

/** `127.0.0.1` and 40000 as the table writes them: the address in host byte order, in hex. */
export function formatTableAddress(address: string, port: number): string | undefined {
  const ipv4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  const octets = ipv4.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !(octet >= 0 && octet <= 255))) {
    return undefined;
  }
  const ordered = endianness() === 'LE' ? [...octets].reverse() : octets;
  const hex = (value: number, width: number) =>
    value.toString(16).toUpperCase().padStart(width, '0');

  return `${ordered.map((octet) => hex(octet, 2)).join('')}:${hex(port, 4)}`;
}

/** The state `/proc/net/tcp` writes for a listening socket. */
const TCP_LISTEN = '0A';

/**
 * The owners of the sockets listening on `address:port` (IPv4), read from the table once; an
 * empty list when none listens there, `unavailable` when the table cannot be read (not Linux).
 */
export async function findListenerUids(
  address: string,
  port: number,
  tablePath = PROC_NET_TCP,
): Promise<number[] | 'unavailable'> {
  const local = formatTableAddress(address, port);
  let text: string;
  try {
    text = await readFile(tablePath, 'latin1');
  } catch {
    return 'unavailable';
  }

  return parseProcNetTcp(text)
    .filter((entry) => entry.state === TCP_LISTEN && entry.local === local)
    .map((entry) => entry.uid);
}

interface PendingLookup {
  local: string;
  remote: string;
  resolve(uid: PeerUid): void;
}

/**
 * Finds which local user owns the other end of accepted TCP connections, reading the table once
 * for every lookup that was waiting when the read began. A lookup made during a read waits for
 * the next one: its connection may be newer than what that read saw. A burst of connections thus
 * costs a few reads, not one each.
 */
export function createPeerUidFinder(
  tablePath = PROC_NET_TCP,
): (socket: Socket) => Promise<PeerUid> {
  let pending: PendingLookup[] = [];
  let reading = false;
  const drain = async () => {
    reading = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      let text: string | undefined;
      try {
        text = await readFile(tablePath, 'latin1');
      } catch {
        text = undefined;
      }
      const entries = text === undefined ? undefined : parseProcNetTcp(text);
      for (const lookup of batch) {
        if (entries === undefined) {
          lookup.resolve('unavailable');
          continue;
        }
        // The client's own socket: its local end is our remote end. An entry without an inode
        // belongs to no process any more, so its uid (shown as 0) says nothing.
        const entry = entries.find(
          (candidate) =>
            candidate.local === lookup.local &&
            candidate.remote === lookup.remote &&
            candidate.inode !== '0',
        );
        lookup.resolve(entry === undefined ? 'unknown' : entry.uid);
      }
    }
    reading = false;
  };

  return (socket) => {
    const local =
      socket.remoteAddress === undefined || socket.remotePort === undefined
        ? undefined
        : formatTableAddress(socket.remoteAddress, socket.remotePort);
    const remote =
      socket.localAddress === undefined || socket.localPort === undefined
        ? undefined
        : formatTableAddress(socket.localAddress, socket.localPort);
    if (local === undefined || remote === undefined) return Promise.resolve('unknown');

    return new Promise<PeerUid>((resolve) => {
      pending.push({ local, remote, resolve });
      if (!reading) void drain();
    });
  };
}
