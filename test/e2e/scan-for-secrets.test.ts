import { generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanForSecrets } from './scan-for-secrets.ts';

// The end-to-end scan proves a negative; these cases prove it would see a leak.
describe('scanForSecrets', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const der = privateKey.export({ format: 'der', type: 'pkcs1' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();

  it('reports a PEM marker and the key bytes hidden in gzip+base64 userdata', () => {
    const userdata = gzipSync(
      Buffer.from(`#cloud-config\nwrite_files:\n- content: |\n${pem}`),
    ).toString('base64');
    const template = Buffer.from(JSON.stringify({ UserData: { 'Fn::Base64': userdata } }));

    expect(scanForSecrets([{ source: 'template', bytes: template }], [der])).toEqual([
      { source: 'template (gzip+base64)', what: 'PEM private key marker' },
    ]);
  });

  it('reports raw key bytes without any marker', () => {
    const blob = Buffer.concat([Buffer.from('prefix'), der, Buffer.from('suffix')]);

    expect(scanForSecrets([{ source: 'object', bytes: blob }], [der])).toEqual([
      { source: 'object', what: 'plaintext key bytes #0' },
    ]);
  });

  it('reports nothing for ciphertext-only content', () => {
    const blob = Buffer.from(
      JSON.stringify({ sealedKey: Buffer.from('not a key').toString('base64') }),
    );

    expect(scanForSecrets([{ source: 'manifest', bytes: blob }], [der])).toEqual([]);
  });
});
