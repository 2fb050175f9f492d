import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `openssl verify` of `leafPem` against `caPem` at a given time; returns its output. */
export function verifyWithOpenssl(caPem: string, leafPem: string, at: Date): string {
  const directory = mkdtempSync(join(tmpdir(), 'openssl-'));
  try {
    writeFileSync(join(directory, 'ca.pem'), caPem);
    writeFileSync(join(directory, 'leaf.pem'), leafPem);
    const output = execFileSync(
      'openssl',
      [
        'verify',
        '-attime',
        String(Math.floor(at.getTime() / 1000)),
        '-CAfile',
        'ca.pem',
        'leaf.pem',
      ],
      { cwd: directory, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );

    return output.trim();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export interface Usages {
  basicConstraints: string;
  keyUsage: string;
  extendedKeyUsage: string | undefined;
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
}

/** Reads basic constraints, key usage, EKU and key identifiers as `openssl x509 -text` prints them. */
export function readUsagesWithOpenssl(certificatePem: string): Usages {
  const text = execFileSync('openssl', ['x509', '-noout', '-text'], {
    input: certificatePem,
    encoding: 'utf8',
  });
  const valueAfter = (heading: string): string | undefined => {
    const lines = text.split('\n');
    const index = lines.findIndex((line) => line.trim().startsWith(heading));
    if (index < 0) return undefined;

    return `${lines[index]?.trim().slice(heading.length).trim()} ${lines[index + 1]?.trim()}`.trim();
  };

  return {
    basicConstraints: valueAfter('X509v3 Basic Constraints:') ?? 'absent',
    keyUsage: valueAfter('X509v3 Key Usage:') ?? 'absent',
    extendedKeyUsage: valueAfter('X509v3 Extended Key Usage:'),
    subjectKeyId: valueAfter('X509v3 Subject Key Identifier:'),
    authorityKeyId: valueAfter('X509v3 Authority Key Identifier:')?.replace(/^keyid:/, ''),
  };
}
