import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CONFIG_VARIABLES } from '../../src/core/config.js';
import { REPO_ROOT } from '../helpers/cli.js';

// The README and docs/ are all a user gets: they must stand alone and stay in step with the code.

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(path.join(REPO_ROOT, dir))) return [];
  return fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [rel] : [];
  });
}

/** The backticked names in the first column of a Markdown table's rows. */
function tableNames(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
}

test('docs/configuration.md lists exactly the variables the configuration reads', () => {
  const documented = tableNames(read('docs/configuration.md').split('## Variables of the command line only')[0]!);
  assert.deepEqual([...documented].sort(), [...CONFIG_VARIABLES].sort());
});

test('every environment variable read outside the configuration is documented', () => {
  const doc = tableNames(read('docs/configuration.md'));
  const read_ = new Set<string>();
  for (const file of sourceFiles('src')) {
    for (const m of read(file).matchAll(/\b(?:process\.)?env\.([A-Z][A-Z0-9_]+)\b/g)) read_.add(m[1]!);
  }
  assert.ok(read_.has('DEBUG'), 'the scan finds process.env reads');
  assert.deepEqual([...read_].filter((name) => !doc.has(name)), []);
});

test('docs/http-api.md lists every route the platform and the edge register', () => {
  const doc = read('docs/http-api.md');
  const routes: string[] = [];
  for (const file of [...sourceFiles('src/server'), ...sourceFiles('src/edge'), ...sourceFiles('src/http')]) {
    for (const m of read(file).matchAll(/\b(?:router|app)\.(get|post|patch|put|delete)\(\s*'([^']+)'/g)) {
      routes.push(`${m[1]!.toUpperCase()} ${m[2]}`);
    }
  }
  assert.ok(routes.length > 20, `found the routes (${routes.length})`);
  assert.deepEqual(routes.filter((route) => !doc.includes(`\`${route}`)), []);
});

test('the README and docs/ link only to files of the repository', () => {
  for (const file of ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`)]) {
    const text = read(file);
    assert.ok(!/\.\.\/shared|SPEC\.md/.test(text), `${file} points outside the repository (../shared, SPEC.md)`);
    for (const m of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)) {
      assert.ok(fs.existsSync(path.resolve(REPO_ROOT, path.dirname(file), m[1]!)), `${file} links to missing ${m[1]}`);
    }
  }
});

test('the licence file matches package.json', () => {
  const manifest = JSON.parse(read('package.json')) as { license: string };
  assert.equal(manifest.license, 'MIT');
  assert.match(read('LICENSE'), /^MIT License/);
});
