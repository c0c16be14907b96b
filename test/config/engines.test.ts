/**
 * The promise of package.json's `engines.node` holds for every installed package: no package in
 * package-lock.json asks for a Node version that the lowest supported one does not satisfy, so
 * `npm ci` on Node 20.19 prints no EBADENGINE warning (file-type 22, pulled by @nestjs/common,
 * needs Node 22: package.json overrides it with 21.x).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(import.meta.dirname, '../..');
// npm's own range parser (a dependency of the toolchain, hoisted to node_modules).
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  dev?: boolean;
}

describe('engines.node', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const lowest = semver.minVersion(manifest.engines.node)!.version;

  it('the lowest Node version package.json promises satisfies every locked package', () => {
    expect(lowest).toBe('20.19.0');
    const refusing = Object.entries(lock.packages)
      .filter(([where, entry]) => where !== '' && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !semver.satisfies(lowest, (entry.engines as { node: string }).node))
      .map(([where, entry]) => `${where}@${entry.version} needs node ${(entry.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });

  it('file-type (pulled by @nestjs/common) resolves to a 21.x release, which runs on Node 20', () => {
    const versions = Object.entries(lock.packages)
      .filter(([where]) => where.endsWith('node_modules/file-type'))
      .map(([, entry]) => entry.version);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(version).toMatch(/^21\./);
  });
});
