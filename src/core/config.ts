import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ADMIN_USERNAME_PATTERN, ADMIN_USERNAME_RULE, MIN_PASSWORD_LENGTH } from './admin/admin-credentials.js';
import { invalidInput } from './errors.js';

/**
 * Where the program is installed: the default data directory lives beneath it (SPEC §1). Found by
 * walking up to our package.json, so it holds for the compiled modules and the bundle alike.
 */
export function installRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && /"name":\s*"streamgate"/.test(fs.readFileSync(manifest, 'utf8'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export type EdgeMode = 'local' | 'proxy' | 'hybrid';

export interface Config {
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** Connections each process keeps to PostgreSQL (unused on SQLite). */
  readonly databasePoolSize: number;
  readonly host: string;
  readonly platformPort: number;
  readonly edgePort: number;
  readonly rtmpPort: number;
  readonly platformUrl: string;
  readonly edgePublicUrl: string;
  readonly edgeMode: EdgeMode;
  readonly edgeOriginUrl: string | null;
  /** Accept `?token=` and rewrite playlists to carry it, for players that cannot send headers. */
  readonly edgeQueryTokens: boolean;
  /**
   * `public`: an encrypted event's segments are served without a token at /segments/… (a CDN may
   * cache them); playlists and keys keep the token. Unencrypted events are never public.
   */
  readonly edgeSegmentAccess: 'token' | 'public';
  /** Where playlists point public segments (a CDN in front of the edge); null: the edge itself. */
  readonly segmentBaseUrl: string | null;
  /** Memory for hot segments and playlists, per edge process. */
  readonly edgeCacheMb: number;
  /** Processes of the stand-alone edge sharing its port (node:cluster). */
  readonly edgeWorkers: number;
  /** Origins whose pages may call the edge (CORS); the platform's origin by default. */
  readonly edgeAllowedOrigins: readonly string[];
  /** Overrides the signing key from data/secret. Never log the config without `describeConfig`. */
  readonly playbackSigningSecret: string | null;
  readonly tokenTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
  readonly defaultRewatchHours: number;
  /** Hops of reverse proxies whose X-Forwarded-For is believed; 0 trusts none. */
  readonly trustProxyHops: number;
  readonly ffmpegPath: string;
  readonly hlsSegmentSeconds: number;
  /** How often an encrypted event's AES-128 key changes, in seconds of media (docs/cdn-mode.md). */
  readonly hlsKeyRotationSeconds: number;
  /** How long an event stays live after its publisher left, for the publisher to come back. */
  readonly ingestReconnectGraceSeconds: number;
  /** A publisher that sends nothing for this long is disconnected. */
  readonly ingestIdleTimeoutSeconds: number;
  /** Break-glass console login from the environment; both or neither. Never printed. */
  readonly adminUser: string | null;
  readonly adminPass: string | null;
  /** How often the platform counts each event's viewers for its analytics; 0 turns sampling off. */
  readonly analyticsSampleSeconds: number;
  /** Origins whose pages may show /embed/:eventId in an iframe (CSP frame-ancestors); none by default. */
  readonly embedOrigins: readonly string[];
  /** Built-in HTTPS: the PEM certificate (chain) and key files, both or neither; reloaded on change. */
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  /** With TLS: a plain-HTTP port that answers 308 to the HTTPS portal. */
  readonly httpRedirectPort: number | null;
  /** With TLS: RTMP over TLS for OBS's rtmps:// (node-media-server's own TLS listener). */
  readonly rtmpsPort: number | null;
  /** Log lines as JSON or for a person; null: pretty on a terminal, JSON elsewhere (log.ts). */
  readonly logFormat: 'json' | 'pretty' | null;
}

/** Flags from the command line, already named like Config fields; they win over env. */
export type ConfigFlags = Partial<Record<keyof Config, string | number | undefined>>;

// Each field: its environment variable (also the name quoted in errors) and its rule.
const port = z.coerce.number().int().min(1).max(65_535);
const url = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
const seconds = z.coerce.number().int().min(1).max(86_400);

const FIELDS = {
  dataDir: ['STREAMGATE_DATA_DIR', z.string().min(1)],
  databaseUrl: ['DATABASE_URL', z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://')],
  databasePoolSize: ['DATABASE_POOL_SIZE', z.coerce.number().int().min(1).max(1_000)],
  host: ['STREAMGATE_HOST', z.string().min(1)],
  platformPort: ['PLATFORM_PORT', port],
  edgePort: ['EDGE_PORT', port],
  rtmpPort: ['RTMP_PORT', port],
  platformUrl: ['PLATFORM_URL', url],
  edgePublicUrl: ['EDGE_PUBLIC_URL', url],
  edgeMode: ['EDGE_MODE', z.enum(['local', 'proxy', 'hybrid'])],
  edgeOriginUrl: ['EDGE_ORIGIN_URL', url.nullable()],
  edgeQueryTokens: ['EDGE_QUERY_TOKENS', z.union([z.boolean(), z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true')])],
  edgeSegmentAccess: ['EDGE_SEGMENT_ACCESS', z.enum(['token', 'public'])],
  segmentBaseUrl: ['SEGMENT_BASE_URL', url.transform((v) => v.replace(/\/+$/, '')).nullable()],
  edgeCacheMb: ['EDGE_CACHE_MB', z.coerce.number().int().min(0).max(1_048_576)],
  edgeWorkers: ['EDGE_WORKERS', z.union([z.literal('auto').transform(() => os.availableParallelism()), z.coerce.number().int().min(1).max(256)])],
  edgeAllowedOrigins: [
    'EDGE_ALLOWED_ORIGINS',
    z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((o) => o.trim()).filter(Boolean) : v),
      z.array(z.string().regex(/^https?:\/\/[^/]+$/, 'must be comma-separated origins like https://watch.example.org')),
    ),
  ],
  playbackSigningSecret: [
    'PLAYBACK_SIGNING_SECRET',
    z.string().refine((s) => Buffer.byteLength(s) >= 32, 'must be at least 32 bytes').nullable(),
  ],
  tokenTtlSeconds: ['STREAMGATE_TOKEN_TTL_SECONDS', seconds],
  tokenMaxTtlSeconds: ['STREAMGATE_TOKEN_MAX_TTL_SECONDS', seconds],
  defaultRewatchHours: ['STREAMGATE_REWATCH_HOURS', z.coerce.number().int().min(0).max(87_600)],
  trustProxyHops: ['STREAMGATE_TRUST_PROXY_HOPS', z.coerce.number().int().min(0).max(10)],
  ffmpegPath: ['FFMPEG_PATH', z.string().min(1)],
  hlsSegmentSeconds: ['HLS_SEGMENT_SECONDS', z.coerce.number().int().min(1).max(30)],
  hlsKeyRotationSeconds: ['HLS_KEY_ROTATION_SECONDS', z.coerce.number().int().min(2).max(3_600)],
  ingestReconnectGraceSeconds: ['INGEST_RECONNECT_GRACE_SECONDS', z.coerce.number().min(0).max(3_600)],
  ingestIdleTimeoutSeconds: ['INGEST_IDLE_TIMEOUT_SECONDS', z.coerce.number().min(1).max(600)],
  adminUser: ['ADMIN_USER', z.string().regex(ADMIN_USERNAME_PATTERN, `must be ${ADMIN_USERNAME_RULE}`).nullable()],
  adminPass: ['ADMIN_PASS', z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).nullable()],
  analyticsSampleSeconds: ['STREAMGATE_ANALYTICS_SAMPLE_SECONDS', z.coerce.number().int().min(0).max(60)],
  embedOrigins: [
    'STREAMGATE_EMBED_ORIGINS',
    z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((o) => o.trim()).filter(Boolean) : v),
      z.array(z.string().regex(/^https?:\/\/[^/\s;,']+$/, 'must be comma-separated origins like https://tickets.example.org')),
    ),
  ],
  tlsCert: ['STREAMGATE_TLS_CERT', z.string().min(1).transform((p) => path.resolve(p)).nullable()],
  tlsKey: ['STREAMGATE_TLS_KEY', z.string().min(1).transform((p) => path.resolve(p)).nullable()],
  httpRedirectPort: ['STREAMGATE_HTTP_REDIRECT_PORT', port.nullable()],
  rtmpsPort: ['STREAMGATE_RTMPS_PORT', port.nullable()],
  logFormat: ['STREAMGATE_LOG_FORMAT', z.enum(['json', 'pretty']).nullable()],
} as const satisfies Record<keyof Config, readonly [string, z.ZodType]>;

/** Every environment variable the configuration reads (docs/configuration.md lists them all). */
export const CONFIG_VARIABLES: readonly string[] = Object.values(FIELDS).map(([name]) => name);

function defaults(dataDir: string): Record<keyof Config, unknown> {
  return {
    dataDir,
    databaseUrl: `sqlite:${path.join(dataDir, 'streamgate.db')}`,
    databasePoolSize: 10,
    host: '127.0.0.1',
    platformPort: 3000,
    edgePort: 4000,
    rtmpPort: 1935,
    platformUrl: 'http://127.0.0.1:3000', // these two follow the ports: see loadConfig
    edgePublicUrl: 'http://127.0.0.1:4000',
    edgeMode: 'local',
    edgeOriginUrl: null,
    edgeQueryTokens: false,
    edgeSegmentAccess: 'token',
    segmentBaseUrl: null,
    edgeCacheMb: 256,
    edgeWorkers: 1,
    edgeAllowedOrigins: undefined, // the platform's origin, filled in below
    playbackSigningSecret: null,
    tokenTtlSeconds: 300,
    tokenMaxTtlSeconds: 900,
    defaultRewatchHours: 48,
    trustProxyHops: 0,
    ffmpegPath: 'ffmpeg',
    hlsSegmentSeconds: 2,
    hlsKeyRotationSeconds: 30,
    ingestReconnectGraceSeconds: 10,
    ingestIdleTimeoutSeconds: 10,
    adminUser: null,
    adminPass: null,
    analyticsSampleSeconds: 15,
    embedOrigins: [],
    tlsCert: null,
    tlsKey: null,
    httpRedirectPort: null,
    rtmpsPort: null,
    logFormat: null,
  };
}

/**
 * Defaults, then environment, then flags; validated once and frozen. Every message quotes the
 * variable it is about, and never the value of a secret.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const pick = (key: keyof Config): unknown => {
    const flag = flags[key];
    if (flag !== undefined && flag !== '') return flag;
    const fromEnv = env[FIELDS[key][0]];
    return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
  };
  const dataDir = path.resolve(String(pick('dataDir') ?? path.join(installRoot(), 'data')));
  const base = defaults(dataDir);
  // On this machine the URLs follow the ports: PLATFORM_PORT=8080 alone must not leave the edge
  // syncing from :3000 and players fetching from :4000. (A bad port is reported as the port.)
  // With built-in TLS they follow the scheme too.
  const scheme = pick('tlsCert') !== undefined && pick('tlsKey') !== undefined ? 'https' : 'http';
  base.platformUrl = `${scheme}://127.0.0.1:${String(pick('platformPort') ?? base.platformPort)}`;
  base.edgePublicUrl = `${scheme}://127.0.0.1:${String(pick('edgePort') ?? base.edgePort)}`;
  const platformUrl = pick('platformUrl') ?? base.platformUrl;
  base.edgeAllowedOrigins = URL.canParse(String(platformUrl)) ? [new URL(String(platformUrl)).origin] : [];
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(FIELDS) as (keyof Config)[]) {
    const [name, schema] = FIELDS[key];
    const result = (schema as z.ZodType).safeParse(key === 'dataDir' ? dataDir : pick(key) ?? base[key]);
    if (!result.success) {
      const shown = key === 'playbackSigningSecret' || key === 'adminPass' ? '(hidden)' : JSON.stringify(pick(key));
      throw invalidInput(`${name}: ${result.error.issues[0]?.message ?? 'invalid'} (got ${shown})`, 'invalid_config');
    }
    config[key] = result.data;
  }
  if (config.edgeMode !== 'local' && !config.edgeOriginUrl) {
    throw invalidInput(`EDGE_ORIGIN_URL: required when EDGE_MODE is ${String(config.edgeMode)}`, 'invalid_config');
  }
  if ((config.adminUser === null) !== (config.adminPass === null)) {
    throw invalidInput('ADMIN_USER and ADMIN_PASS: set both or neither', 'invalid_config');
  }
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw invalidInput('STREAMGATE_TLS_CERT and STREAMGATE_TLS_KEY: set both or neither', 'invalid_config');
  }
  if (config.httpRedirectPort !== null && config.tlsCert === null) {
    throw invalidInput('STREAMGATE_HTTP_REDIRECT_PORT: needs STREAMGATE_TLS_CERT and STREAMGATE_TLS_KEY (it sends browsers to HTTPS)', 'invalid_config');
  }
  if (config.rtmpsPort !== null && config.tlsCert === null) {
    throw invalidInput('STREAMGATE_RTMPS_PORT: needs STREAMGATE_TLS_CERT and STREAMGATE_TLS_KEY (its certificate)', 'invalid_config');
  }
  if ((config.tokenTtlSeconds as number) > (config.tokenMaxTtlSeconds as number)) {
    throw invalidInput('STREAMGATE_TOKEN_TTL_SECONDS: must not exceed STREAMGATE_TOKEN_MAX_TTL_SECONDS', 'invalid_config');
  }
  return Object.freeze(config) as unknown as Config;
}

/** A database URL as it may be printed: a PostgreSQL password is masked. */
export function describeDatabaseUrl(databaseUrl: string): string {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl) || !URL.canParse(databaseUrl)) return databaseUrl;
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

/** The config as it may be printed: the signing secret is reduced to whether it is set. */
export function describeConfig(config: Config): Record<string, unknown> {
  return { ...config, databaseUrl: describeDatabaseUrl(config.databaseUrl), playbackSigningSecret: config.playbackSigningSecret ? '(set)' : null, adminPass: config.adminPass ? '(set)' : null };
}

export function sqlitePath(config: Config): string | null {
  return config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : null;
}
