import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import { ENTRY_AREAS } from '../../tsup.config.js';

// The entry points show the architecture: the root holds what wraps any call, each area its own
// entry; package.json, tsup, typedoc and src/<area>/index.ts agree; entry files only re-export.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { exports: Record<string, unknown> };
const typedoc = JSON.parse(read('typedoc.json')) as { entryPoints: string[] };

describe('entry points', () => {
  it('package.json exports, tsup entries, typedoc entry points and src/<area>/index.ts agree', () => {
    const areas = [...ENTRY_AREAS].sort();
    const exported = Object.keys(pkg.exports)
      .filter((key) => key !== '.' && !key.endsWith('.json'))
      .map((key) => key.slice(2))
      .sort();
    expect(exported).toEqual(areas);
    expect([...typedoc.entryPoints].sort()).toEqual(
      ['src/index.ts', ...areas.map((a) => `src/${a}/index.ts`)].sort(),
    );
    const withIndex = readdirSync(path.join(repo, 'src'))
      .filter((name) => statSync(path.join(repo, 'src', name)).isDirectory())
      .filter((name) => readdirSync(path.join(repo, 'src', name)).includes('index.ts'))
      .sort();
    expect(withIndex).toEqual(areas);
  });

  it('entry files hold re-exports only (no logic)', () => {
    for (const file of ['src/index.ts', ...ENTRY_AREAS.map((a) => `src/${a}/index.ts`)]) {
      const code = read(file)
        .replace(/\/\/.*$/gm, '')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/export (?:type )?\{[^}]*\} from '[^']+';/g, '')
        .replace(/export \* from '[^']+';/g, '')
        .trim();
      expect(code, file).toBe('');
    }
  });

  it('the root exports policies, withReliability, errors, classifyError and the design’s classes — no generic names', () => {
    const names = Object.keys(root);
    for (const name of [
      'RetryPolicy',
      'CircuitBreaker',
      'TimeoutManager',
      'withReliability',
      'classifyError',
      'ReliabilityError',
      // The components the design names, for one import on the common path.
      'Downloader',
      'ModelIntegrityChecker',
      'loadManifest',
      'ErrorContextCapturer',
      'PreflightValidator',
      'RecoveryRegistry',
      'HealthReporter',
      'DiagnosticMonitor',
      'ModelAvailability',
    ]) {
      expect(names, name).toContain(name);
    }
    // Area helpers and generic names stay in their entry points.
    for (const name of [
      'command',
      'memory',
      'network',
      'gpu',
      'writable',
      'diskSpace',
      'partialDirFor',
      'aggregate',
    ]) {
      expect(names, name).not.toContain(name);
    }
    expect(names.length).toBeLessThanOrEqual(70);
  });
});
