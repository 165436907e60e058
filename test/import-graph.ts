import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One import of a source file: what it names and, for a file of the repository, which file. */
export interface SourceImport {
  readonly specifier: string;
  /** Repository-relative path of the imported file; null for a package import. */
  readonly file: string | null;
  /** The workspace package (`@opencvm/<name>`) or npm package named; null for a relative import. */
  readonly packageName: string | null;
}

export interface SourceFile {
  /** Repository-relative path, `packages/core/src/index.ts`. */
  readonly path: string;
  readonly imports: readonly SourceImport[];
}

const SOURCE = /\.(ts|tsx)$/;
const SKIPPED = new Set(['node_modules', 'dist', '.cache', 'screenshots']);

const walk = (root: string, dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(root, path);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

// Static imports and re-exports (`import … from`, `export … from`, `import '…'`) and dynamic `import('…')`.
const SPECIFIERS = [
  /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** The package an import names: `@scope/name` or `name`, without a subpath. */
const packageOf = (specifier: string): string => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
};

/** Every TypeScript file under `dirs` (repository-relative) with what it imports. */
export const readSources = (root: string, dirs: readonly string[]): SourceFile[] =>
  dirs.flatMap((dir) =>
    walk(root, dir).map((path) => {
      const text = readFileSync(join(root, path), 'utf8');
      const specifiers = new Set<string>();
      for (const pattern of SPECIFIERS)
        for (const match of text.matchAll(pattern)) if (match[1]) specifiers.add(match[1]);
      const imports = [...specifiers].map((specifier): SourceImport => {
        if (!specifier.startsWith('.')) return { specifier, file: null, packageName: packageOf(specifier) };
        return {
          specifier,
          file: relative(root, resolve(root, dirname(path), specifier)),
          packageName: null,
        };
      });
      return { path, imports };
    }),
  );

/**
 * The import circles among `files`: each strongly connected group of two or more files (or one
 * file importing itself), as a path that walks the circle once.
 */
export const importCircles = (files: readonly SourceFile[]): string[][] => {
  const edges = new Map<string, string[]>();
  for (const file of files) edges.set(file.path, []);
  for (const file of files)
    for (const imported of file.imports)
      if (imported.file !== null && edges.has(imported.file)) edges.get(file.path)?.push(imported.file);

  // Tarjan's strongly connected components, iteratively (deep chains would overflow recursion).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let next = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; child: number }[] = [{ node: start, child: 0 }];
    index.set(start, next);
    low.set(start, next);
    next += 1;
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame === undefined) break;
      const targets = edges.get(frame.node) ?? [];
      const target = targets[frame.child];
      if (target !== undefined) {
        frame.child += 1;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next);
          next += 1;
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, child: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(target) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: string[] = [];
        for (;;) {
          const member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          group.push(member);
          if (member === frame.node) break;
        }
        const selfImport = targets.includes(frame.node);
        if (group.length > 1 || selfImport) groups.push(circleThrough(group, edges));
      }
    }
  }
  return groups;
};

/** A walk from the group's first file back to itself, inside the group: what a reader follows. */
const circleThrough = (group: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] => {
  const members = new Set(group);
  const [first] = [...group].sort();
  if (first === undefined) return [];
  // Breadth-first from `first` to any member that imports `first`.
  const previous = new Map<string, string>();
  const queue = [first];
  while (queue.length > 0) {
    const node = queue.shift();
    if (node === undefined) break;
    for (const target of edges.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === first) {
        const path = [node];
        let at = node;
        while (at !== first) {
          const before = previous.get(at);
          if (before === undefined) break;
          path.unshift(before);
          at = before;
        }
        return [...path, first];
      }
      if (!previous.has(target) && target !== first) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [first, first];
};
