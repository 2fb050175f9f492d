import { suggestKey } from '../cluster-config/check-keys.ts';
import { ASSET_NAMES } from '../pki/asset-catalogue.ts';
import { UsageError } from './cli-io.ts';

/** Longest part of a refused name quoted back; the rest adds nothing. */
const MAX_QUOTED = 60;

/**
 * Checks `--rotate` before anything starts: at least one name, none empty, each a TLS asset of
 * the catalogue or `all`. The backend checks the same names; this answers a typo at once (exit 2)
 * instead of after starting or calling a backend.
 */
export function checkRotateNames(rotate: string): string[] {
  const names = rotate.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new UsageError(
      '--rotate must name at least one TLS asset, comma-separated with none empty ' +
        `(received ${JSON.stringify(rotate)}); pass e.g. --rotate apiserver,kubelet or --rotate all`,
    );
  }
  const valid: readonly string[] = ['all', ...ASSET_NAMES];
  const unknown = names.find((name) => !valid.includes(name));
  if (unknown !== undefined) {
    const suggestion = suggestKey(unknown, valid);
    const hint = suggestion === undefined ? '' : `did you mean ${suggestion}; `;
    throw new UsageError(
      `--rotate must name TLS assets or all (received ${JSON.stringify(unknown.slice(0, MAX_QUOTED))}); ` +
        `${hint}the names are ${valid.join(', ')}`,
    );
  }

  return names;
}
