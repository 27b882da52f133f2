import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { describeConfig, loadConfig } from './config.js';
import type { AppError } from './errors.js';

describe('loadConfig', () => {
  it('applies defaults, then environment, then flags', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.platformPort, 3000);
    assert.equal(defaults.host, '127.0.0.1');
    assert.equal(defaults.databaseUrl, `sqlite:${path.join(defaults.dataDir, 'streamgate.db')}`);

    const fromEnv = loadConfig({ PLATFORM_PORT: '3100', STREAMGATE_DATA_DIR: '/tmp/sg-env' });
    assert.equal(fromEnv.platformPort, 3100);
    assert.equal(fromEnv.dataDir, '/tmp/sg-env');
    assert.equal(fromEnv.databaseUrl, 'sqlite:/tmp/sg-env/streamgate.db');

    const fromFlags = loadConfig({ STREAMGATE_DATA_DIR: '/tmp/sg-env' }, { dataDir: '/tmp/sg-flag' });
    assert.equal(fromFlags.dataDir, '/tmp/sg-flag');
  });

  it('points the platform and edge URLs at the ports given, unless they are set themselves', () => {
    const moved = loadConfig({ PLATFORM_PORT: '8080', EDGE_PORT: '8081' });
    assert.equal(moved.platformUrl, 'http://127.0.0.1:8080');
    assert.equal(moved.edgePublicUrl, 'http://127.0.0.1:8081');
    assert.deepEqual(moved.edgeAllowedOrigins, ['http://127.0.0.1:8080']);
    const behindProxy = loadConfig({ PLATFORM_PORT: '8080', PLATFORM_URL: 'https://watch.example.org', EDGE_PUBLIC_URL: 'https://cdn.example.org' });
    assert.equal(behindProxy.platformUrl, 'https://watch.example.org');
    assert.equal(behindProxy.edgePublicUrl, 'https://cdn.example.org');
  });

  it('with built-in TLS, points the default URLs at https and reads the files as absolute paths', () => {
    const tls = loadConfig({ STREAMGATE_TLS_CERT: 'certs/fullchain.pem', STREAMGATE_TLS_KEY: '/etc/sg/privkey.pem', PLATFORM_PORT: '8443', STREAMGATE_HTTP_REDIRECT_PORT: '8080' });
    assert.equal(tls.platformUrl, 'https://127.0.0.1:8443');
    assert.equal(tls.edgePublicUrl, 'https://127.0.0.1:4000');
    assert.deepEqual(tls.edgeAllowedOrigins, ['https://127.0.0.1:8443']);
    assert.equal(tls.tlsCert, path.resolve('certs/fullchain.pem'));
    assert.equal(tls.tlsKey, '/etc/sg/privkey.pem');
    assert.equal(tls.httpRedirectPort, 8080);
    assert.equal(loadConfig({}).tlsCert, null);
  });

  it('reads EDGE_WORKERS as a count or `auto` (one per core), and EDGE_CACHE_MB', () => {
    assert.equal(loadConfig({}).edgeWorkers, 1);
    assert.equal(loadConfig({}).edgeCacheMb, 256);
    assert.equal(loadConfig({ EDGE_WORKERS: '3' }).edgeWorkers, 3);
    assert.equal(loadConfig({ EDGE_WORKERS: 'auto' }).edgeWorkers, os.availableParallelism());
    assert.equal(loadConfig({ EDGE_CACHE_MB: '0' }).edgeCacheMb, 0);
  });

  it('is frozen', () => {
    const config = loadConfig({});
    assert.throws(() => ((config as { platformPort: number }).platformPort = 1));
  });

  const invalid: [Record<string, string>, RegExp][] = [
    [{ PLATFORM_PORT: 'abc' }, /^PLATFORM_PORT:/],
    [{ EDGE_PORT: '70000' }, /^EDGE_PORT:/],
    [{ EDGE_MODE: 'cdn' }, /^EDGE_MODE:/],
    [{ EDGE_MODE: 'proxy' }, /^EDGE_ORIGIN_URL: required/],
    [{ PLATFORM_URL: 'ftp://x' }, /^PLATFORM_URL:/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL:/],
    [{ EDGE_WORKERS: '0' }, /^EDGE_WORKERS:/],
    [{ EDGE_WORKERS: 'many' }, /^EDGE_WORKERS:/],
    [{ EDGE_CACHE_MB: '-1' }, /^EDGE_CACHE_MB:/],
    [{ STREAMGATE_TLS_CERT: '/c.pem' }, /^STREAMGATE_TLS_CERT and STREAMGATE_TLS_KEY: set both or neither$/],
    [{ STREAMGATE_TLS_KEY: '/k.pem' }, /^STREAMGATE_TLS_CERT and STREAMGATE_TLS_KEY: set both or neither$/],
    [{ STREAMGATE_HTTP_REDIRECT_PORT: '8080' }, /^STREAMGATE_HTTP_REDIRECT_PORT: needs STREAMGATE_TLS_CERT/],
    [{ STREAMGATE_RTMPS_PORT: '1936' }, /^STREAMGATE_RTMPS_PORT: needs STREAMGATE_TLS_CERT/],
    [{ STREAMGATE_TLS_CERT: '/c.pem', STREAMGATE_TLS_KEY: '/k.pem', STREAMGATE_HTTP_REDIRECT_PORT: 'http' }, /^STREAMGATE_HTTP_REDIRECT_PORT:/],
    [{ STREAMGATE_LOG_FORMAT: 'xml' }, /^STREAMGATE_LOG_FORMAT:/],
    [{ PLAYBACK_SIGNING_SECRET: 'too-short' }, /^PLAYBACK_SIGNING_SECRET: must be at least 32 bytes \(got \(hidden\)\)$/],
  ];
  for (const [env, message] of invalid) {
    it(`refuses ${JSON.stringify(env)} with a message naming the variable`, () => {
      assert.throws(() => loadConfig(env), (e: AppError) => e.status === 400 && message.test(e.message));
    });
  }

  it('never shows the signing secret when described', () => {
    const secret = 'x'.repeat(40);
    const described = JSON.stringify(describeConfig(loadConfig({ PLAYBACK_SIGNING_SECRET: secret })));
    assert.ok(!described.includes(secret));
  });
});
