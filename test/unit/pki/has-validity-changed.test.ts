import { describe, expect, it } from 'vitest';
import type { ManifestAsset } from '../../../pki/asset-manifest.ts';
import { hasValidityChanged } from '../../../pki/plan-asset-changes.ts';

const DAY_MS = 86_400_000;
const ISSUED_AT = Date.parse('2026-12-04T12:00:00.000Z');
const NOT_BEFORE = new Date(ISSUED_AT - 5 * 60_000).toISOString();
const DURATIONS = { caDays: 3650, certDays: 365 };

/** A manifest entry with only the fields the check reads filled in. */
function certificateEntry(kind: 'ca' | 'leaf', notAfterMs: number): ManifestAsset {
  return {
    name: kind === 'ca' ? 'kube-ca' : 'apiserver',
    kind,
    action: 'issued',
    reason: 'new',
    issuedAtRevision: 1,
    fingerprint: 'f',
    publicKey: 'p',
    publicKeyFingerprint: 'pf',
    keyId: 'k',
    sealedKey: 's',
    notBefore: NOT_BEFORE,
    notAfter: new Date(notAfterMs).toISOString(),
  };
}

describe('hasValidityChanged', () => {
  it('accepts a CA up to a minute away from its configured days', () => {
    const end = ISSUED_AT + 3650 * DAY_MS;

    expect(hasValidityChanged(certificateEntry('ca', end), DURATIONS, undefined)).toBe(false);
    expect(hasValidityChanged(certificateEntry('ca', end + 60_000), DURATIONS, undefined)).toBe(
      false,
    );
    expect(hasValidityChanged(certificateEntry('ca', end - 61_000), DURATIONS, undefined)).toBe(
      true,
    );
  });

  it('reports a CA whose lifetime differs by one day', () => {
    const entry = certificateEntry('ca', ISSUED_AT + 3649 * DAY_MS);

    expect(hasValidityChanged(entry, DURATIONS, undefined)).toBe(true);
  });

  it('measures a leaf against the leaf days, not the CA days', () => {
    const entry = certificateEntry('leaf', ISSUED_AT + 365 * DAY_MS);
    const caEnd = new Date(ISSUED_AT + 3650 * DAY_MS).toISOString();

    expect(hasValidityChanged(entry, DURATIONS, caEnd)).toBe(false);
    expect(hasValidityChanged(entry, { ...DURATIONS, certDays: 364 }, caEnd)).toBe(true);
  });

  it('keeps a leaf ending with its CA while the leaf days reach past the CA', () => {
    const caEndMs = ISSUED_AT + 100 * DAY_MS;
    const entry = certificateEntry('leaf', caEndMs);
    const caEnd = new Date(caEndMs).toISOString();

    expect(hasValidityChanged(entry, { ...DURATIONS, certDays: 400 }, caEnd)).toBe(false);
    expect(hasValidityChanged(entry, { ...DURATIONS, certDays: 100 }, caEnd)).toBe(false);
    expect(hasValidityChanged(entry, { ...DURATIONS, certDays: 99 }, caEnd)).toBe(true);
  });

  it('reports a leaf cut short by its CA once its days reach past the CA no more', () => {
    // Issued at 400 days under a 100-day CA that was later re-issued for longer: the leaf's
    // recorded end now lies before both its own days and the new CA's end.
    const entry = certificateEntry('leaf', ISSUED_AT + 100 * DAY_MS);
    const longerCaEnd = new Date(ISSUED_AT + 3650 * DAY_MS).toISOString();

    expect(hasValidityChanged(entry, { ...DURATIONS, certDays: 400 }, longerCaEnd)).toBe(true);
  });

  it('never reports a bare key pair', () => {
    const { notBefore: _notBefore, notAfter: _notAfter, ...keyPair } = certificateEntry('ca', 0);

    expect(hasValidityChanged({ ...keyPair, kind: 'key-pair' }, DURATIONS, undefined)).toBe(false);
  });
});
