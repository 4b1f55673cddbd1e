// Every file a package.json promises (main, types, exports, bin) is built from a source file: no entry point
// that points at nothing once `tsc -b` has run (issue #11, item 10).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', 'packages');

/** Every string in a package.json field, however nested (conditional exports). */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

/** The source a dist/ file is compiled from: dist/a/b.js and dist/a/b.d.ts both come from src/a/b.ts. */
function sourceOf(target: string): string {
  return target.replace(/^\.\/dist\//, 'src/').replace(/(\.d)?\.js$|\.d\.ts$/, '.ts');
}

const packages = readdirSync(ROOT).filter((name) => existsSync(join(ROOT, name, 'package.json')));

describe.each(packages)('packages/%s/package.json', (name) => {
  const manifest = JSON.parse(readFileSync(join(ROOT, name, 'package.json'), 'utf8')) as Record<string, unknown>;
  const promised = ['main', 'types', 'exports', 'bin'].flatMap((field) => targets(manifest[field]));

  it('points only at files built from a source, or shipped as they are', () => {
    for (const target of promised) {
      const file = target.startsWith('./dist/') ? sourceOf(target) : target;
      expect(existsSync(join(ROOT, name, file)), `${target} (${file})`).toBe(true);
    }
  });
});
