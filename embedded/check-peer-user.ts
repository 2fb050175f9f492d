import type { Socket } from 'node:net';
import { createPeerUidFinder } from './find-peer-uid.ts';

/**
 * Who is on the other end of a loopback connection: this process's own user, another local user,
 * or `unavailable` where the kernel's socket table cannot be read (not Linux).
 */
export type PeerVerdict = 'same-user' | 'other-user' | 'unavailable';

export type PeerCheck = (socket: Socket) => Promise<PeerVerdict>;

export const OTHER_USER_REFUSAL = 'the connection comes from another local user';

/**
 * Checks each connection once (the answer is kept for its later keep-alive requests). A
 * connection whose socket is not in the table, or is no longer held by a process, counts as
 * another user's: the check fails closed.
 */
export function createPeerCheck(
  options: { tablePath?: string; uid?: number | undefined } = {},
): PeerCheck {
  const findPeerUid = createPeerUidFinder(options.tablePath);
  const ownUid = 'uid' in options ? options.uid : process.getuid?.();
  const verdicts = new WeakMap<Socket, Promise<PeerVerdict>>();

  return (socket) => {
    const known = verdicts.get(socket);
    if (known !== undefined) return known;
    const verdict =
      ownUid === undefined
        ? Promise.resolve<PeerVerdict>('unavailable')
        : findPeerUid(socket).then((uid): PeerVerdict => {
            if (uid === 'unavailable') return 'unavailable';

            return uid === ownUid ? 'same-user' : 'other-user';
          });
    verdicts.set(socket, verdict);

    return verdict;
  };
}

let sharedPeerCheck: PeerCheck | undefined;

/** One check for the whole process, so every server shares its batched reads of the table. */
export function getSharedPeerCheck(): PeerCheck {
  sharedPeerCheck ??= createPeerCheck();

  return sharedPeerCheck;
}
