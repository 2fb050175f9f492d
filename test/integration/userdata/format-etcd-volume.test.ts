import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderUserdata } from '../../../stack/userdata/render-userdata.ts';
import { requireTool } from '../../support/external-tools.ts';
import { buildNodeAssets, exampleConfig } from '../../unit/userdata/node-assets-fixture.ts';
import { findFile, parseUserdata } from '../../unit/userdata/rendered-userdata.ts';

const hasTools = requireTool('mkfs.ext4', ['-V']) && requireTool('blkid', ['-V']);

/** The rendered etcd-volume formatter, run on an image file standing in for the EBS volume. */
describe.skipIf(!hasTools)('format-etcd-volume script', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'format-etcd-'));
  const text = renderUserdata('controller', {
    config: exampleConfig(),
    nodeAssets: buildNodeAssets('demo'),
    controllerIndex: 0,
  });
  const script = join(scratch, 'format-etcd-volume');
  writeFileSync(script, findFile(parseUserdata(text), '/opt/bin/format-etcd-volume').content);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const run = (device: string) => {
    const result = spawnSync('bash', [script], {
      encoding: 'utf8',
      env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin`, ETCD_DEVICE: device },
    });

    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const uuidOf = (device: string) =>
    spawnSync('blkid', ['-p', '-o', 'value', '-s', 'UUID', device], { encoding: 'utf8' }).stdout;

  it('formats a blank volume once and leaves the filesystem alone afterwards', () => {
    const device = join(scratch, 'volume.img');
    spawnSync('truncate', ['-s', '64M', device]);

    expect(run(device)).toEqual({
      status: 0,
      stdout: `format-etcd-volume: created ext4 on ${device}\n`,
      stderr: '',
    });
    const uuid = uuidOf(device);
    expect(uuid).toMatch(/^[0-9a-f-]{36}\n$/);

    expect(run(device)).toEqual({
      status: 0,
      stdout: `format-etcd-volume: ${device} already has a filesystem\n`,
      stderr: '',
    });
    expect(uuidOf(device)).toBe(uuid);
  });

  it('fails without formatting when the volume is missing', () => {
    const device = join(scratch, 'absent.img');

    expect(run(device)).toEqual({
      status: 1,
      stdout: '',
      stderr: `format-etcd-volume: ${device} does not exist\n`,
    });
  });
});
