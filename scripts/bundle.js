// Bundles the CLI (and the services it starts) into dist/bundle/. One file per lazily loaded
// command instead of hundreds of module files: kysely alone is ~280 ESM files, which costs
// ~140 ms to load on every `streamgate` call. Native and runtime-resolved packages stay external.
import { copyFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'node-media-server', 'playwright-core'],
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __sgCreateRequire } from 'node:module'; const require = __sgCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The viewer portal: browser code with hls.js bundled in (no CDN), plus its page and styles.
await build({
  entryPoints: ['src/player/player.ts'],
  outfile: 'dist/player/player.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const file of ['index.html', 'portal.css']) copyFileSync(`src/player/${file}`, `dist/player/${file}`);

// The admin console: plain TypeScript, bundled, no CDN.
await build({
  entryPoints: ['src/console/console.ts'],
  outfile: 'dist/console/console.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const file of ['index.html', 'console.css']) copyFileSync(`src/console/${file}`, `dist/console/${file}`);
