import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCircles, readSources, type SourceFile } from './import-graph.ts';

/**
 * The arrows of ARCHITECTURE.md: the workspace packages each package's sources may import.
 * web -> core (the HTTP contract and pure rules); server, cli -> app -> core <- storage, channels;
 * only the processes that start (cli, and the demo data they load) know storage and channels.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  storage: ['core'],
  channels: ['core'],
  app: ['core'],
  demo: ['core', 'app'],
  server: ['core', 'app'],
  cli: ['core', 'app', 'server', 'storage', 'channels', 'demo'],
  web: ['core'],
};

/** Tests are composition roots too: above storage and channels they may open stores and adapters. */
const TESTS_MAY_ALSO_IMPORT: Readonly<Record<string, readonly string[]>> = {
  app: ['storage', 'channels', 'demo'],
  demo: ['storage', 'channels'],
  server: ['storage', 'channels', 'demo'],
  cli: [],
};

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGES = Object.keys(MAY_IMPORT).filter((name) => {
  try {
    readFileSync(join(ROOT, 'packages', name, 'package.json'));
    return true;
  } catch {
    return false;
  }
});

const WORKSPACE_SCOPE = '@opencvm/';

interface PackageJson {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const readPackageJson = (name: string): PackageJson => {
  const parsed: unknown = JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null)
    throw new Error(`packages/${name}/package.json is not an object`);
  const field = (key: string): Record<string, string> | undefined => {
    const value: unknown = Reflect.get(parsed, key);
    if (typeof value !== 'object' || value === null) return undefined;
    return Object.fromEntries(
      Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  };
  const dependencies = field('dependencies');
  const devDependencies = field('devDependencies');
  return { ...(dependencies ? { dependencies } : {}), ...(devDependencies ? { devDependencies } : {}) };
};

const sourcesOf = (name: string, part: 'src' | 'test'): SourceFile[] => {
  try {
    return readSources(ROOT, [join('packages', name, part)]);
  } catch {
    return [];
  }
};

/** `file: what it imports` for every import that breaks `allowed`. */
const violations = (files: readonly SourceFile[], owner: string, allowed: ReadonlySet<string>): string[] =>
  files.flatMap((file) =>
    file.imports.flatMap((imported) => {
      if (imported.file !== null) {
        const home = `packages/${owner}/`;
        return imported.file.startsWith(home)
          ? []
          : [`${file.path}: ${imported.specifier} leaves the package`];
      }
      const name = imported.packageName ?? '';
      if (!name.startsWith(WORKSPACE_SCOPE)) return [];
      const target = name.slice(WORKSPACE_SCOPE.length);
      return target === owner || allowed.has(target)
        ? []
        : [`${file.path}: imports ${name} against the arrows`];
    }),
  );

describe('the architecture (ARCHITECTURE.md)', () => {
  it('knows every workspace package', () => {
    const manifest: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const workspaces: unknown =
      typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'workspaces') : null;
    const packages = (Array.isArray(workspaces) ? workspaces : [])
      .filter((entry): entry is string => typeof entry === 'string' && entry.startsWith('packages/'))
      .map((entry) => entry.slice('packages/'.length));
    expect(packages.filter((name) => !(name in MAY_IMPORT))).toEqual([]);
  });

  it.each(PACKAGES)('%s imports only what the arrows allow', (name) => {
    const allowed = new Set(MAY_IMPORT[name]);
    const testAllowed = new Set([...allowed, ...(TESTS_MAY_ALSO_IMPORT[name] ?? [])]);
    expect([
      ...violations(sourcesOf(name, 'src'), name, allowed),
      ...violations(sourcesOf(name, 'test'), name, testAllowed),
    ]).toEqual([]);
  });

  it.each(PACKAGES)('%s declares the workspace packages it imports', (name) => {
    const manifest = readPackageJson(name);
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.devDependencies ?? {}),
    ]);
    const used = new Set(
      [...sourcesOf(name, 'src'), ...sourcesOf(name, 'test')].flatMap((file) =>
        file.imports.flatMap((imported) =>
          imported.packageName?.startsWith(WORKSPACE_SCOPE) &&
          imported.packageName !== `${WORKSPACE_SCOPE}${name}`
            ? [imported.packageName]
            : [],
        ),
      ),
    );
    expect([...used].filter((dependency) => !declared.has(dependency)).sort()).toEqual([]);
    // A runtime dependency the sources no longer import would still pull the package in.
    const runtime = Object.keys(manifest.dependencies ?? {}).filter((dependency) =>
      dependency.startsWith(WORKSPACE_SCOPE),
    );
    const usedBySources = new Set(
      sourcesOf(name, 'src').flatMap((file) =>
        file.imports.flatMap((imported) => (imported.packageName ? [imported.packageName] : [])),
      ),
    );
    expect(
      runtime.filter(
        (dependency) => dependency !== `${WORKSPACE_SCOPE}${name}` && !usedBySources.has(dependency),
      ),
    ).toEqual([]);
  });

  it('keeps core and web free of I/O: no Node.js built-ins in their sources', () => {
    const builtins = ['core', 'web'].flatMap((name) =>
      sourcesOf(name, 'src').flatMap((file) =>
        file.imports
          .filter((imported) => imported.specifier.startsWith('node:'))
          .map((imported) => `${file.path}: ${imported.specifier}`),
      ),
    );
    expect(builtins).toEqual([]);
  });

  it.each(PACKAGES)('%s has no import circles', (name) => {
    const circles = importCircles([...sourcesOf(name, 'src'), ...sourcesOf(name, 'test')]);
    expect(circles.map((circle) => circle.join(' -> '))).toEqual([]);
  });
});

describe('the import graph reader', () => {
  const file = (path: string, ...targets: string[]): SourceFile => ({
    path,
    imports: targets.map((target) => ({ specifier: target, file: target, packageName: null })),
  });

  it('finds a circle and walks it once', () => {
    const circles = importCircles([
      file('a.ts', 'b.ts'),
      file('b.ts', 'c.ts'),
      file('c.ts', 'a.ts'),
      file('d.ts', 'a.ts'),
    ]);
    expect(circles).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('finds a file that imports itself and none in a tree', () => {
    expect(importCircles([file('a.ts', 'a.ts')])).toEqual([['a.ts', 'a.ts']]);
    expect(importCircles([file('a.ts', 'b.ts', 'c.ts'), file('b.ts', 'c.ts'), file('c.ts')])).toEqual([]);
  });

  it('reads imports, re-exports and dynamic imports, resolving relative paths', () => {
    const [core] = readSources(ROOT, ['packages/core/src']).filter(
      (source) => source.path === 'packages/core/src/index.ts',
    );
    expect(core?.imports.map((imported) => imported.file)).toContain('packages/core/src/segments/index.ts');
  });
});
