import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { httpsLocation } from './https-redirect.js';

const request = (url: string, host?: string) => ({ url, headers: host === undefined ? {} : { host } }) as IncomingMessage;

describe('httpsLocation', () => {
  const cases: [string, IncomingMessage, string, number, string][] = [
    ['PLATFORM_URL https: its origin, path and query kept', request('/watch/conf?x=1', 'evil.example'), 'https://watch.example.org', 8443, 'https://watch.example.org/watch/conf?x=1'],
    ['PLATFORM_URL with a port', request('/admin', 'watch.example.org'), 'https://watch.example.org:8443/', 8443, 'https://watch.example.org:8443/admin'],
    ['plain PLATFORM_URL: the name asked for, on the https port', request('/admin', 'box.lan:8080'), 'http://127.0.0.1:3000', 3443, 'https://box.lan:3443/admin'],
    ['port 443 is left out', request('/', 'box.lan'), 'http://127.0.0.1:3000', 443, 'https://box.lan/'],
    ['an IPv6 Host', request('/', '[::1]:80'), 'http://127.0.0.1:3000', 3443, 'https://[::1]:3443/'],
    ['no Host: the configured name', request('/x'), 'http://10.0.0.5:3000', 3443, 'https://10.0.0.5:3443/x'],
    ['a Host that is no host name: the configured name', request('/x', 'a b/c'), 'http://10.0.0.5:3000', 3443, 'https://10.0.0.5:3443/x'],
    ['an absolute-form target is not followed elsewhere', request('http://evil.example/x', 'box.lan'), 'http://127.0.0.1:3000', 3443, 'https://box.lan:3443/'],
  ];
  for (const [name, req, platformUrl, port, expected] of cases) {
    it(name, () => assert.equal(httpsLocation(req, platformUrl, port), expected));
  }
});
