// npm run bench: every benchmark, each against its baseline measured in the same run.
import { benchAnalyticsSampler, benchAnalyticsStats } from './analytics.js';
import { benchColdStart } from './cli-cold-start.js';
import { benchCodeViews } from './code-views.js';
import { benchDatabases } from './databases.js';
import { benchEdgeServe } from './edge-serve.js';
import { benchLiveIngest } from './live-ingest.js';
import { benchLowLatencyEdge } from './ll-edge.js';
import { benchPlatformValidate } from './platform-validate.js';
import { benchRevocationPush } from './revocation-push.js';
import { benchTokensCreate } from './tokens-create.js';
import { benchViewers } from './viewers.js';
import { benchViewersCdn } from './viewers-cdn.js';
import { benchWebhooks } from './webhooks.js';

const only = process.argv.slice(2);
const benches: [string, () => Promise<void>][] = [
  ['cold-start', benchColdStart],
  ['tokens-create', benchTokensCreate],
  ['platform-validate', benchPlatformValidate],
  ['edge-serve', benchEdgeServe],
  ['live-ingest', benchLiveIngest],
  ['ll-edge', benchLowLatencyEdge],
  ['databases', benchDatabases],
  ['code-views', benchCodeViews],
  ['revocation-push', benchRevocationPush],
  ['viewers', benchViewers],
  ['viewers-cdn', benchViewersCdn],
  ['analytics-stats', benchAnalyticsStats],
  ['analytics-sampler', benchAnalyticsSampler],
  ['webhooks', benchWebhooks],
];
for (const [name, bench] of benches) {
  if (only.length === 0 || only.some((o) => name.includes(o))) await bench();
}
