import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseUserdata } from '../../unit/userdata/rendered-userdata.ts';

/**
 * Writes a rendered cloud-config's files under `root` the way coreos-cloudinit writes them on a
 * node (b64 content decoded, octal permissions applied), so scripts can run against them.
 */
export function materialiseUserdata(text: string, root: string): void {
  for (const file of parseUserdata(text).files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const bytes =
      file.encoding === 'b64' ? Buffer.from(file.content, 'base64') : Buffer.from(file.content);
    writeFileSync(target, bytes);
    chmodSync(target, Number.parseInt(file.permissions, 8));
  }
}
