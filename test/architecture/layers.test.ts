import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { folderCycles, layerViolations, moduleLengths, readImports, type ImportEdge } from './layers.js';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const edges = readImports(srcDir);

const edge = (from: string, spec: string, typeOnly = false): ImportEdge => ({ from, spec, typeOnly });

describe('the layers of src/', () => {
  it('reads the imports of every module (the check below has something to check)', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.from === 'store/openStore.ts' && e.spec.includes('recovery/'))).toBe(true);
  });

  it('has no import that runs upward, no confined package imported elsewhere, no production import of testing/', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('has no folder cycle', () => {
    expect(folderCycles(edges)).toEqual([]);
  });

  it('keeps every module under 400 lines', () => {
    const long = [...moduleLengths(srcDir)].filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });

  it('keeps the top of src/ to the public surface and the shared ground', () => {
    const top = [...moduleLengths(srcDir).keys()].filter((f) => !f.includes('/')).sort();
    expect(top).toEqual(['env.ts', 'errors.ts', 'fp.ts', 'index.ts', 'types.ts']);
  });
});

describe('the layer check itself', () => {
  it('catches an upward import (backup importing transaction)', () => {
    expect(layerViolations([edge('backup/x.ts', '../transaction/context.js')])).toHaveLength(1);
  });

  it('catches imports between folders of one rank (integrity and conflict)', () => {
    expect(layerViolations([edge('integrity/x.ts', '../conflict/uniqueName.js')])).toHaveLength(1);
  });

  it('catches lmdb or node:fs imported outside their one file, and production importing testing/', () => {
    expect(layerViolations([edge('transaction/x.ts', 'lmdb'), edge('ops/x.ts', 'node:fs/promises'), edge('store/x.ts', '../testing/crashWorld.js')])).toHaveLength(3);
    expect(layerViolations([edge('journal/lmdb.ts', 'lmdb'), edge('fs/node.ts', 'node:fs')])).toEqual([]);
  });

  it('catches the shared ground importing a layer, and a layer importing the public surface', () => {
    expect(layerViolations([edge('env.ts', './transaction/context.js', true), edge('ops/x.ts', '../index.js')])).toHaveLength(2);
    expect(layerViolations([edge('env.ts', './fs/fileSystem.js', true)])).toEqual([]);
  });

  it('finds a folder cycle', () => {
    const cycles = folderCycles([edge('a/x.ts', '../b/y.js'), edge('b/y.ts', '../c/z.js'), edge('c/z.ts', '../a/x.js')]);
    expect(cycles.length).toBeGreaterThan(0);
    expect(cycles[0]?.split(' → ')).toHaveLength(4);
  });

  it('accepts a downward import', () => {
    expect(layerViolations([edge('store/x.ts', '../recovery/recover.js'), edge('index.ts', './store/openStore.js')])).toEqual([]);
  });
});
