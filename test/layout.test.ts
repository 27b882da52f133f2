import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './helpers/cli.js';

// The layers of src/: core below everything, http (the Express pieces platform and edge share)
// above core, then server, edge and ingest side by side, never importing each other, and the CLI
// on top. The edge must run on a host without the database: no module it loads may be src/core/db.

const SRC = path.join(REPO_ROOT, 'src');

interface Import {
  target: string;
  /** `import type …` is erased by the compiler: it loads nothing at run time. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name) ? [full] : [];
  });
}

/** The relative imports of a file (static, re-exports and dynamic), resolved to .ts files. */
function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (!specifier.startsWith('.')) return;
    found.push({ target: path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')), typeOnly });
  };
  for (const m of text.matchAll(/^\s*(import|export)(\s+type)?\b[^'"]*?\sfrom\s+'([^']+)'/gm)) add(m[3]!, Boolean(m[2]));
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) add(m[1]!, false);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1]!, false);
  return found;
}

const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;
const rel = (file: string) => path.relative(REPO_ROOT, file);

/** What each layer may import, besides itself. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  http: ['core'],
  server: ['core', 'http'],
  edge: ['core', 'http'],
  ingest: ['core'],
  cli: ['core', 'http', 'server', 'edge', 'ingest'],
};

describe('source layout', () => {
  const files = sourceFiles(SRC).filter((file) => layerOf(file) in ALLOWED);

  it('finds the sources and reads their imports', () => {
    assert.ok(files.length > 50, `found ${files.length} files`);
    // The edge's app is plain node:http now; its start file still reaches across into core.
    const edgeStart = importsOf(path.join(SRC, 'edge', 'start.ts')).map((i) => rel(i.target));
    assert.ok(edgeStart.includes('src/core/clock.ts') && edgeStart.includes('src/edge/app.ts'), edgeStart.join(', '));
  });

  it('each layer imports only the layers below it (server and edge never each other)', () => {
    const violations = files.flatMap((file) =>
      importsOf(file)
        .filter((i) => layerOf(i.target) !== layerOf(file) && !ALLOWED[layerOf(file)]!.includes(layerOf(i.target)))
        .map((i) => `${rel(file)} → ${rel(i.target)}`),
    );
    assert.deepEqual(violations, []);
  });

  it('nothing the edge loads at run time reaches the database (src/core/db)', () => {
    const db = path.join(SRC, 'core', 'db') + path.sep;
    const seen = new Map<string, string>(); // file → the file that first imported it
    const queue = files.filter((file) => layerOf(file) === 'edge');
    for (const file of queue) seen.set(file, '(edge)');
    const violations: string[] = [];
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const { target, typeOnly } of importsOf(file)) {
        if (typeOnly || seen.has(target)) continue;
        seen.set(target, file);
        if (target.startsWith(db)) violations.push(`${rel(file)} → ${rel(target)}`);
        else if (fs.existsSync(target)) queue.push(target);
      }
    }
    assert.ok(seen.has(path.join(SRC, 'core', 'playback-token.ts')), 'the walk follows imports into core');
    assert.deepEqual(violations, []);
  });
});
