import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

/**
 * A real HTTP receiver on 127.0.0.1 that records every POST and answers `status` (200 unless set).
 * `down()` closes its port (connections are refused, as for a receiver that is off) and `up()`
 * listens on the same port again.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  status = 200;
  private server: http.Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/streamgate`;
  }

  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        let json: any = null;
        try {
          json = JSON.parse(body);
        } catch {
          // recorded as text
        }
        this.received.push({ headers: req.headers, body, json });
        res.writeHead(this.status).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Waits until `predicate` holds for what was received, or fails after `timeoutMs`. */
  async waitFor(predicate: (received: ReceivedDelivery[]) => boolean, timeoutMs = 10_000): Promise<ReceivedDelivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`receiver: not there after ${timeoutMs} ms; got ${this.received.map((r) => r.json?.type).join(', ') || 'nothing'}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.received;
  }
}
