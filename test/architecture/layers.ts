/**
 * The layering rules of STYLE.md §1, as a pure check over an import graph: folders are layers, imports flow one way
 * (downward), with no folder cycle; `index.ts` / `fp.ts` sit on top, the shared ground (`errors`, `types`, `env`)
 * beneath everything; `lmdb`, `pg` and `node:fs` each come in through exactly one place; production never imports
 * `testing`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The layers, lowest first. Folders on one rank may not import each other. */
export const layerRank: Readonly<Record<string, number>> = {
  fs: 0,
  journal: 1,
  integrity: 2,
  conflict: 2,
  postgres: 2,
  backup: 3,
  ops: 4,
  compat: 5,
  transaction: 5,
  recovery: 6,
  store: 7,
  cli: 8,
  testing: 9,
};

/** Files at the top of `src/`: the public surface (may import any layer but `testing`) and the shared ground. */
const entryFiles = new Set(['index.ts', 'fp.ts']);
const groundFiles = new Set(['errors.ts', 'types.ts', 'env.ts']);

/** Where a package may be imported from (module specifier → the files allowed to import it). */
const confined: ReadonlyArray<{ readonly spec: RegExp; readonly allowed: RegExp; readonly what: string }> = [
  { spec: /^lmdb$/, allowed: /^journal\/lmdb\.ts$/, what: 'lmdb' },
  { spec: /^pg$/, allowed: /^postgres\//, what: 'pg' },
  { spec: /^(node:)?fs(\/promises)?$/, allowed: /^fs\/node\.ts$/, what: 'node:fs' },
];

/** One import of one module: the importing file and the specifier, both as written (files relative to `src/`). */
export interface ImportEdge {
  readonly from: string;
  readonly spec: string;
  /** `import type` / `export type`: erased at run time. */
  readonly typeOnly: boolean;
}

const folderOf = (file: string): string | undefined => (file.includes('/') ? file.slice(0, file.indexOf('/')) : undefined);

/** The file (relative to `src/`) that a relative specifier of `from` names, with `.js` read as `.ts`. */
export const targetOf = (from: string, spec: string): string =>
  path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '.ts');

/** Every rule an import breaks, as readable lines (empty: the graph is layered). */
export const layerViolations = (edges: readonly ImportEdge[]): string[] => {
  const out: string[] = [];
  for (const { from, spec, typeOnly } of edges) {
    for (const c of confined) if (c.spec.test(spec) && !c.allowed.test(from)) out.push(`${from} imports ${c.what}, which only ${c.allowed.source} may`);
    if (!spec.startsWith('.')) continue;
    const to = targetOf(from, spec);
    if (to.startsWith('..')) {
      out.push(`${from} imports ${spec}, outside src/`);
      continue;
    }
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === undefined) {
      if (groundFiles.has(from) && !(typeOnly && (to === 'fs/fileSystem.ts' || to === 'journal/journal.ts' || groundFiles.has(to)))) {
        out.push(`${from} (shared ground) imports ${to}: the ground may only name the FileSystem and Journal types, and its own`);
      }
      if (entryFiles.has(from) && b === 'testing') out.push(`${from} (public surface) imports ${to} from testing/`);
      continue;
    }
    if (b === undefined) {
      if (entryFiles.has(to)) out.push(`${from} imports the public surface ${to}: layers import what they use directly`);
      continue;
    }
    if (a === b) continue;
    const ra = layerRank[a];
    const rb = layerRank[b];
    if (ra === undefined) out.push(`${from}: folder ${a}/ has no place in the layers`);
    else if (rb === undefined) out.push(`${to}: folder ${b}/ has no place in the layers`);
    else if (b === 'testing') out.push(`${from} imports ${to}: production code never imports testing/`);
    else if (rb >= ra) out.push(`${from} (${a}/, layer ${ra}) imports ${to} (${b}/, layer ${rb}): imports must flow down`);
  }
  return out;
};

/** Folder-level cycles in the graph (each as `a → b → … → a`); empty when there is none. */
export const folderCycles = (edges: readonly ImportEdge[]): string[] => {
  const next = new Map<string, Set<string>>();
  for (const { from, spec } of edges) {
    if (!spec.startsWith('.')) continue;
    const a = folderOf(from);
    const b = folderOf(targetOf(from, spec));
    if (a === undefined || b === undefined || a === b) continue;
    next.set(a, (next.get(a) ?? new Set()).add(b));
  }
  const cycles: string[] = [];
  const visit = (node: string, trail: readonly string[]): void => {
    for (const n of next.get(node) ?? []) {
      const at = trail.indexOf(n);
      if (at >= 0) cycles.push([...trail.slice(at), n].join(' → '));
      else if (trail.length < 32) visit(n, [...trail, n]);
    }
  };
  for (const start of next.keys()) visit(start, [start]);
  return [...new Set(cycles)];
};

const importRe = /^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The imports of every `.ts` file under `srcDir` (files named relative to it). */
export const readImports = (srcDir: string): ImportEdge[] => {
  const edges: ImportEdge[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.name.endsWith('.ts')) {
        const from = path.relative(srcDir, abs).split(path.sep).join('/');
        for (const m of fs.readFileSync(abs, 'utf8').matchAll(importRe)) {
          const spec = m[3] ?? m[4] ?? m[5];
          if (spec !== undefined) edges.push({ from, spec, typeOnly: m[2] !== undefined });
        }
      }
    }
  };
  walk(srcDir);
  return edges;
};

/** Lines of each `.ts` file under `srcDir`. */
export const moduleLengths = (srcDir: string): Map<string, number> => {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.name.endsWith('.ts')) out.set(path.relative(srcDir, abs), fs.readFileSync(abs, 'utf8').split('\n').length);
    }
  };
  walk(srcDir);
  return out;
};
