/**
 * How long the full TLS asset set takes to generate, against openssl doing the same number of RSA
 * 2048 keys and certificates in the same run. Also compares the ways to make keys and sign
 * certificates that the generator could use. Run: `npx tsx bench/pki-bench.ts`.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { LocalKeyService } from '../adapters/embedded/local-key-service.ts';
import { logger } from '../lib/logger.ts';
import { ASSET_CATALOGUE } from '../pki/asset-catalogue.ts';
import { buildAssetEntries } from '../pki/build-asset-entries.ts';
import { generateRsaKeyPair } from '../pki/issue-certificate.ts';
import { planAssetChanges } from '../pki/plan-asset-changes.ts';
import { ClusterConfigSchema } from '../schemas/cluster-config.ts';

const RUNS = 5;
const KEY_COUNT = ASSET_CATALOGUE.length;
const CERTIFICATE_COUNT = ASSET_CATALOGUE.filter((spec) => spec.kind !== 'key-pair').length;
const CA_COUNT = ASSET_CATALOGUE.filter((spec) => spec.kind === 'ca').length;

const config = ClusterConfigSchema.parse({
  externalDNSName: 'k8s.example.com',
  keyName: 'ops',
  region: 'eu-west-1',
  controllerCount: 3,
});

async function median(run: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);

  return times[Math.floor(RUNS / 2)] ?? Number.NaN;
}

/** The generator as the Generate Assets step runs it, sealing included (local key service). */
async function generateAssetSet(keys: LocalKeyService): Promise<void> {
  const now = new Date();
  const decisions = planAssetChanges({ config, previous: [], rotate: [], now });
  await buildAssetEntries({ cluster: 'bench', revision: 1, config, decisions, keys, now });
}

/** What a shell script would do: one openssl process per key and per certificate. */
function generateWithOpenssl(directory: string): void {
  const run = (args: string[]) =>
    execFileSync('openssl', args, { cwd: directory, stdio: 'ignore' });
  writeFileSync(join(directory, 'leaf.ext'), 'basicConstraints=critical,CA:FALSE\n');
  for (let index = 0; index < CA_COUNT; index += 1) {
    run(['genrsa', '-out', `ca${index}.key`, '2048']);
    run([
      'req',
      '-x509',
      '-new',
      '-key',
      `ca${index}.key`,
      '-subj',
      `/CN=ca${index}`,
      '-out',
      `ca${index}.pem`,
    ]);
  }
  for (let index = 0; index < KEY_COUNT - CA_COUNT; index += 1) {
    run(['genrsa', '-out', `leaf${index}.key`, '2048']);
    if (index >= CERTIFICATE_COUNT - CA_COUNT) continue;
    run(['req', '-new', '-key', `leaf${index}.key`, '-subj', `/CN=leaf${index}`, '-out', 'l.csr']);
    run([
      'x509',
      '-req',
      '-in',
      'l.csr',
      '-CA',
      'ca0.pem',
      '-CAkey',
      'ca0.key',
      '-days',
      '365',
      '-extfile',
      'leaf.ext',
      '-set_serial',
      String(index + 1),
      '-out',
      `leaf${index}.pem`,
    ]);
  }
}

function signWithForge(): void {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.setSubject([{ name: 'commonName', value: 'x' }]);
  certificate.setIssuer([{ name: 'commonName', value: 'x' }]);
  const started = performance.now();
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  forgeSigningMs.push(performance.now() - started);
}
const forgeSigningMs: number[] = [];

async function main(): Promise<void> {
  logger.setLogLevel('SILENT');
  const directory = mkdtempSync(join(tmpdir(), 'pki-bench-'));
  try {
    const keys = await LocalKeyService.open(join(directory, 'keys'));
    const openssl = join(directory, 'openssl');
    mkdirSync(openssl);

    const rows: [string, number][] = [];
    rows.push([
      `openssl CLI, ${KEY_COUNT} keys + ${CERTIFICATE_COUNT} certs (reference)`,
      await median(() => generateWithOpenssl(openssl)),
    ]);
    rows.push([
      `asset set: generateAssets (${KEY_COUNT} keys, ${CERTIFICATE_COUNT} certs, sealed)`,
      await median(() => generateAssetSet(keys)),
    ]);
    rows.push([
      `keys only: node generateKeyPair x${KEY_COUNT}, parallel`,
      await median(() =>
        Promise.all(Array.from({ length: KEY_COUNT }, () => generateRsaKeyPair())),
      ),
    ]);
    rows.push([
      `keys only: node generateKeyPairSync x${KEY_COUNT}, serial`,
      await median(() => {
        for (let index = 0; index < KEY_COUNT; index += 1)
          generateKeyPairSync('rsa', { modulusLength: 2048 });
      }),
    ]);
    rows.push([
      `keys only: forge rsa.generateKeyPair x${KEY_COUNT} (native path)`,
      await median(() => {
        for (let index = 0; index < KEY_COUNT; index += 1)
          forge.pki.rsa.generateKeyPair({ bits: 2048 });
      }),
    ]);
    for (let index = 0; index < RUNS; index += 1) signWithForge();
    forgeSigningMs.sort((a, b) => a - b);

    const reference = rows[0]?.[1] ?? Number.NaN;
    console.log(`cpus: ${availableParallelism()}, runs per row: ${RUNS} (median)`);
    console.log(`${'what'.padEnd(64)} ${'ms'.padStart(9)} ${'vs openssl'.padStart(11)}`);
    for (const [label, ms] of rows) {
      console.log(
        `${label.padEnd(64)} ${ms.toFixed(1).padStart(9)} ${(ms / reference).toFixed(2).padStart(10)}x`,
      );
    }
    const forgeSign = forgeSigningMs[Math.floor(RUNS / 2)] ?? Number.NaN;
    console.log(
      `one certificate signature, forge JavaScript RSA: ${forgeSign.toFixed(1)} ms (the generator signs with node:crypto)`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
