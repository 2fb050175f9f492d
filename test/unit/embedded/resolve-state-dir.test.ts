import { describe, expect, it } from 'vitest';
import { resolveStateDir, STATE_DIR_ENV } from '../../../embedded/state-dir.ts';

describe('resolveStateDir', () => {
  it('takes the flag, then the variable, then .local in the working directory', () => {
    expect(resolveStateDir('s', { [STATE_DIR_ENV]: '/v' }, '/w')).toBe('/w/s');
    expect(resolveStateDir(undefined, { [STATE_DIR_ENV]: '/v' }, '/w')).toBe('/v');
    expect(resolveStateDir(undefined, {}, '/w')).toBe('/w/.local');
  });

  it('counts an empty variable as unset and refuses an empty flag', () => {
    expect(resolveStateDir(undefined, { [STATE_DIR_ENV]: '' }, '/w')).toBe('/w/.local');
    expect(() => resolveStateDir('', {}, '/w')).toThrow(
      '--state-dir must name a directory (received an empty value)',
    );
  });
});
