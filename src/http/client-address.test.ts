import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import { clientAddress } from './client-address.js';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  const cases: [string, number, string | undefined, string][] = [
    ['no proxy trusted: the header is ignored', 0, '203.0.113.9', '127.0.0.1'],
    ['one proxy: its client', 1, '203.0.113.9', '203.0.113.9'],
    ['one proxy: a client-sent entry is not believed', 1, '6.6.6.6, 203.0.113.9', '203.0.113.9'],
    ['two proxies', 2, '6.6.6.6, 203.0.113.9, 10.0.0.2', '203.0.113.9'],
    ['more hops trusted than entries: the farthest one', 3, '203.0.113.9', '203.0.113.9'],
    ['no header behind a trusted proxy: the socket', 1, undefined, '127.0.0.1'],
    ['empty entries and spaces skipped', 1, ' 203.0.113.9 , ,', '203.0.113.9'],
  ];
  for (const [name, hops, header, expected] of cases) {
    it(name, () => assert.equal(clientAddress(request('127.0.0.1', header), hops), expected));
  }

  it("agrees with Express's req.ip", async () => {
    const headers = ['203.0.113.9', '6.6.6.6, 203.0.113.9', '1.1.1.1,2.2.2.2, 3.3.3.3', ' 203.0.113.9 , ,', '', '1.2.3.4,\t5.6.7.8'];
    for (const hops of [0, 1, 2, 3]) {
      const app = express();
      app.set('trust proxy', hops);
      app.get('/', (req, res) => void res.json({ express: req.ip, ours: clientAddress(req, hops) }));
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        for (const header of headers) {
          const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers: { 'X-Forwarded-For': header }, signal: AbortSignal.timeout(5_000) });
          const { express: theirs, ours } = (await answer.json()) as { express: string; ours: string };
          assert.equal(ours, theirs, `hops ${hops}, X-Forwarded-For "${header}"`);
        }
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});
