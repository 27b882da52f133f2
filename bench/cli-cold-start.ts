// Cold start of `streamgate tokens revoke CODE` (a fresh process each time, as a cron job runs
// it), against `node -e 0` on the same machine in the same run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { cli, freshDataDir, median, row } from './lib.js';

export async function benchColdStart(): Promise<void> {
  console.log('\n## CLI cold start (bench/cli-cold-start)');
  const dataDir = freshDataDir();
  const csv = cli(['tokens', 'create', '--event', 'bench', '--count', '1'], dataDir).stdout;
  const code = csv.trim().split(/\r?\n/)[1]!.split(',')[0]!;
  const node: number[] = [];
  const revoke: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    node.push(performance.now() - t0);
    revoke.push(cli(['tokens', 'revoke', code], dataDir).ms);
  }
  row('baseline: node -e 0', `${median(node).toFixed(0)} ms (median of 10)`);
  row('streamgate tokens revoke CODE', `${median(revoke).toFixed(0)} ms (median of 10; goal ≤ 300)`);
  row('ratio streamgate / bare node', `${(median(revoke) / median(node)).toFixed(2)}×`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
