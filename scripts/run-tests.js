// Runs every compiled test file with node's built-in runner and its closing summary, once on
// SQLite and once on PostgreSQL. Unit tests sit beside the code (dist/src/**/*.test.js);
// integration and end-to-end tests live under dist/test/. Pass paths or name fragments to run a
// subset: npm test -- revoke
//
// STREAMGATE_TEST_DATABASE=sqlite|postgres runs that pass only. Without it the PostgreSQL pass runs
// when PostgreSQL's server binaries are installed (/usr/lib/postgresql/*/bin/initdb), on a
// throwaway cluster started here (in a temporary folder, on 127.0.0.1 and a free port) and
// removed at the end, even on failure or Ctrl-C. STREAMGATE_TEST_POSTGRES_URL=postgres://… uses
// a running server instead; each test data directory gets a database of its own there.
//
// A file about SQLite itself calls useSqliteInEveryPass() (its lock, its files, its backups): when
// both passes run, it runs in the SQLite pass only, since its PostgreSQL run would repeat it exactly.
// So does a file that calls runInOnePass(): minutes of native playback the database barely touches.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return find(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const files = [...find('dist/src'), ...find('dist/test')]
  .sort()
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}
// The same throwaway cluster as the tests that restart a server use (compiled by the build).
const { postgresBinDir, startPostgresCluster } = await import('../dist/test/helpers/postgres-cluster.js');

function passes() {
  const chosen = process.env.STREAMGATE_TEST_DATABASE;
  if (chosen === 'sqlite' || chosen === 'postgres') return [chosen];
  if (chosen) {
    console.error(`run-tests: STREAMGATE_TEST_DATABASE must be sqlite or postgres (got ${chosen})`);
    process.exit(2);
  }
  if (process.env.STREAMGATE_TEST_POSTGRES_URL || postgresBinDir()) return ['sqlite', 'postgres'];
  console.log('run-tests: PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): the SQLite pass only');
  return ['sqlite'];
}

let cluster = null;
let child = null;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    child?.kill(signal);
    cluster?.remove();
    process.exit(130);
  });
}

const sqliteOnly = (file) => /useSqliteInEveryPass\(\)|runInOnePass\(\)/.test(fs.readFileSync(file, 'utf8'));

/** One run of the files; prints the runner's output as it comes and returns its summary. */
function runPass(database, env, files) {
  return new Promise((resolve) => {
    child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...files], {
      env: { ...process.env, ...env, STREAMGATE_TEST_DATABASE: database },
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('close', (code, signal) => {
      child = null;
      const tail = output.slice(-4096);
      const failures = output.includes('✖ failing tests:') ? output.slice(output.lastIndexOf('✖ failing tests:')) : '';
      const count = (name) => new RegExp(`ℹ ${name} (\\d+)`).exec(tail)?.[1] ?? '?';
      resolve({ database, ok: code === 0, code: code ?? signal, failures, summary: `${count('tests')} tests, ${count('pass')} passed, ${count('fail')} failed, ${count('cancelled')} cancelled, ${count('skipped')} skipped` });
    });
  });
}

const results = [];
try {
  const chosen = passes();
  for (const database of chosen) {
    const passFiles = database === 'postgres' && chosen.includes('sqlite') ? files.filter((file) => !sqliteOnly(file)) : files;
    if (passFiles.length === 0) continue;
    let env = {};
    if (database === 'postgres') {
      if (process.env.STREAMGATE_TEST_POSTGRES_URL) {
        env = { STREAMGATE_TEST_POSTGRES_URL: process.env.STREAMGATE_TEST_POSTGRES_URL };
      } else {
        cluster = await startPostgresCluster();
        console.log(`run-tests: throwaway PostgreSQL cluster on ${cluster.url} (${cluster.dir})`);
        env = { STREAMGATE_TEST_POSTGRES_URL: cluster.url };
      }
    }
    const left = files.length - passFiles.length;
    console.log(`\nrun-tests: ${database} pass: ${passFiles.length} test file(s)${left ? ` (${left} about SQLite itself, or run once, ran in the SQLite pass)` : ''}\n`);
    results.push(await runPass(database, env, passFiles));
    console.log(`\nrun-tests: ${database} pass ${results.at(-1).ok ? 'passed' : 'FAILED'}: ${results.at(-1).summary}`);
  }
} catch (error) {
  console.error(`run-tests: ${error.message}`);
  results.push({ ok: false });
} finally {
  cluster?.remove();
  cluster = null;
}
// Each failure again, briefly, after both passes: a CI log is often read from its end only, where
// the first pass's failures would otherwise be hundreds of lines up.
for (const r of results) {
  if (r.ok || !r.failures) continue;
  console.log(`\nrun-tests: ${r.database} pass, failing tests (the first lines of each):`);
  for (const block of r.failures.split(/\n(?=test at )/).slice(1)) {
    const lines = block.split('\n').filter((line) => !/^\s+at (.*\()?(node:|.*node_modules)/.test(line));
    console.log(lines.slice(0, 12).join('\n'));
  }
}
if (results.length > 1) {
  console.log('\nrun-tests: summary');
  for (const r of results) if (r.database) console.log(`  ${r.database.padEnd(8)} ${r.ok ? 'passed' : 'FAILED'}  ${r.summary}`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
