// Bundles the CLI (and the services it starts) into dist/bundle/. One file per lazily loaded
// command instead of hundreds of module files: kysely alone is ~280 ESM files, which costs
// ~140 ms to load on every `streamgate` call. Native and runtime-resolved packages stay external.
import { copyFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  // The edge's worker processes (EDGE_WORKERS) and the platform's WAL checkpointer thread start
  // from their own entries, beside main.js.
  entryPoints: { main: 'src/cli/main.ts', 'edge-worker': 'src/edge/edge-worker.ts', 'wal-checkpoint-worker': 'src/core/db/wal-checkpoint-worker.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'node-media-server', 'playwright-core', 'pg-native'],
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __sgCreateRequire } from 'node:module'; const require = __sgCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

/** Browser code with its dependencies bundled in (no CDN), plus the static files beside it. */
async function bundleBrowser(dir, entry, staticFiles) {
  await build({
    entryPoints: [`src/${dir}/${entry}.ts`],
    outfile: `dist/${dir}/${entry}.js`,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const file of staticFiles) copyFileSync(`src/${dir}/${file}`, `dist/${dir}/${file}`);
}

await bundleBrowser('player', 'player', ['index.html', 'portal.css']); // the viewer portal, hls.js inside
await bundleBrowser('console', 'console', ['index.html', 'console.css']); // the admin console
