import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderLoaderUserdata } from '../../../stack/userdata/render-loader-userdata.ts';
import { renderUserdata } from '../../../stack/userdata/render-userdata.ts';
import { requireTool } from '../../support/external-tools.ts';
import { buildNodeAssets, exampleConfig } from '../../unit/userdata/node-assets-fixture.ts';
import { parseUserdata } from '../../unit/userdata/rendered-userdata.ts';
import { materialiseUserdata } from './materialise-userdata.ts';

const hasShellcheck = requireTool('shellcheck');
const hasSystemdAnalyze = requireTool('systemd-analyze');

const nodeAssets = buildNodeAssets('demo');
const variants = [
  [
    'controller 0',
    renderUserdata('controller', { config: exampleConfig(), nodeAssets, controllerIndex: 0 }),
  ],
  [
    'controller 0 with Calico',
    renderUserdata('controller', {
      config: exampleConfig({ useCalico: true }),
      nodeAssets,
      controllerIndex: 0,
    }),
  ],
  ['worker', renderUserdata('worker', { config: exampleConfig(), nodeAssets })],
  [
    'loader',
    renderLoaderUserdata(
      'worker',
      `s3://demo-artifacts/userdata/worker-${'a'.repeat(64)}`,
      'us-east-1',
    ),
  ],
] as const;

const scratch = mkdtempSync(join(tmpdir(), 'userdata-tools-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasShellcheck)('rendered shell scripts', () => {
  it.each(variants)('pass shellcheck (%s)', (_name, text) => {
    const scripts = parseUserdata(text).files.filter((file) => file.content.startsWith('#!'));
    expect(scripts.length).toBeGreaterThan(0);

    for (const script of scripts) {
      const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
        input: script.content,
        encoding: 'utf8',
      });

      expect({ path: script.path, output: result.stdout, status: result.status }).toEqual({
        path: script.path,
        output: '',
        status: 0,
      });
    }
  });
});

/**
 * systemd-analyze checks the units on this build machine, which lacks what a Flatcar node has.
 * Instead of filtering its complaints, the test supplies those parts: every rendered file is
 * written under a scratch root and the units' `/opt/bin/` paths are pointed there (a test-only
 * prefix), `/opt/bin/kubelet` (downloaded at boot) is a stub executable, and docker.service and
 * containerd.service (shipped by Flatcar) are stub units beside the rendered ones. The verdict must
 * then be clean: exit 0 and no output at all.
 */
describe.skipIf(!hasSystemdAnalyze)('rendered systemd units', () => {
  it.each(variants)('pass systemd-analyze verify (%s)', (name, text) => {
    const root = mkdtempSync(join(scratch, `${name.replaceAll(' ', '-')}-`));
    materialiseUserdata(text, root);
    writeFileSync(join(root, 'opt/bin/kubelet'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(root, 'opt/bin/kubelet'), 0o755);
    const unitDir = join(root, 'units');
    spawnSync('mkdir', ['-p', unitDir]);
    for (const stub of ['docker.service', 'containerd.service']) {
      writeFileSync(join(unitDir, stub), `[Service]\nExecStart=/bin/true\n`);
    }
    const units = parseUserdata(text).units;
    for (const unit of units) {
      writeFileSync(
        join(unitDir, unit.name),
        unit.content.replaceAll('/opt/bin/', `${root}/opt/bin/`),
      );
    }

    const result = spawnSync(
      'systemd-analyze',
      ['verify', '--man=no', ...units.map((unit) => join(unitDir, unit.name))],
      { encoding: 'utf8' },
    );

    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
  });
});
