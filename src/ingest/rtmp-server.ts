import type { AddressInfo } from 'node:net';
import NodeMediaServer from 'node-media-server';
import Context from 'node-media-server/src/core/context.js';
import nmsLogger from 'node-media-server/src/core/logger.js';
import BaseSession, { type BaseSession as NmsSession } from 'node-media-server/src/session/base_session.js';
import type { Log } from '../core/log.js';
import { CertificateReloader, type CertificateFiles } from '../core/certificate-reloader.js';

/**
 * The one file that knows node-media-server (4.4.3, pinned exactly: several of the calls below are
 * its internals, and test/e2e covers each of them). It speaks RTMP and hands the rest of the ingest
 * publishers and FLV bytes, nothing else: no HLS, no HTTP, no store, no default secret.
 */

export const RTMP_APP = 'live';

export interface Publisher {
  readonly sessionId: string;
  readonly streamKey: string;
  /** The publisher's IP address (no port). */
  readonly address: string;
  /** Bytes received so far: a publisher whose count stops growing has gone silent. */
  bytesIn(): number;
  /** Cuts the connection at once; no further packet reaches viewers. */
  disconnect(): void;
  /** Sends the stream as FLV (header, codec headers, the last GOP, then live packets) to `sink`. */
  subscribe(sink: (chunk: Buffer) => void): () => void;
}

export interface RtmpHandlers {
  /** Synchronous on purpose: an async check would let media through before the answer. */
  admit(streamKey: string): boolean;
  published(publisher: Publisher): void;
  /** The publisher's socket closed (node-media-server itself reports this 30 s later). */
  closed(publisher: Publisher): void;
}

export interface RtmpServer {
  url: string;
  /** RTMP over TLS (OBS: rtmps://), when asked for. */
  rtmpsUrl: string | null;
  stop(): Promise<void>;
}

/** RTMPS on `port` with the platform's certificate, reloaded like it when the files change. */
export interface RtmpsOptions {
  port: number;
  files: CertificateFiles;
}

function listen(server: import('node:net').Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startRtmpServer(options: { host: string; port: number; log: Log; handlers: RtmpHandlers; rtmps?: RtmpsOptions }): Promise<RtmpServer> {
  const { log, handlers } = options;
  quietLogger(log);
  // Only the RTMP listener: no `http` (its FLV/WebSocket port would bypass the edge), no `auth`
  // (we check keys ourselves), and run() is not called, so its store, recorder, relay and
  // history (which would write stream keys to ./data) never start.
  const rtmps = options.rtmps;
  const nms = new NodeMediaServer({ bind: options.host, rtmp: { port: options.port }, ...(rtmps && { rtmps: { port: rtmps.port, key: rtmps.files.key, cert: rtmps.files.cert } }) });
  const refused = new Set<string>();

  nms.on('prePublish', (session) => {
    if (session.streamApp === RTMP_APP && handlers.admit(session.streamName)) return;
    refused.add(session.id);
    log.warn('publish refused', { session: session.id, from: addressOf(session) });
    cutOff(session);
  });
  // node-media-server emits postPublish even for a session refused in prePublish.
  nms.on('postPublish', (session) => {
    if (refused.has(session.id)) return;
    const publisher = wrap(session);
    session.socket?.once('close', () => handlers.closed(publisher));
    handlers.published(publisher);
  });
  nms.on('donePublish', (session) => refused.delete(session.id));

  const server = nms.rtmpServer.tcpServer;
  if (!server) throw new Error('node-media-server created no RTMP listener');
  // Listening ourselves: its own run() calls process.exit(1) when the port is taken.
  const port = await listen(server, options.port, options.host);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let rtmpsUrl: string | null = null;
  let reloader: CertificateReloader | null = null;
  const tlsServer = nms.rtmpServer.tlsServer;
  if (rtmps) {
    if (!tlsServer) throw new Error('node-media-server created no RTMPS listener');
    reloader = new CertificateReloader({ files: rtmps.files, log, apply: (pair) => tlsServer.setSecureContext(pair) }).start();
    try {
      rtmpsUrl = `rtmps://${host}:${await listen(tlsServer, rtmps.port, options.host)}/${RTMP_APP}`;
    } catch (error) {
      reloader.stop();
      server.close();
      throw error;
    }
  }
  return {
    url: `rtmp://${host}:${port}/${RTMP_APP}`,
    rtmpsUrl,
    async stop() {
      reloader?.stop();
      await nms.stop();
    },
  };
}

function wrap(session: NmsSession): Publisher {
  return {
    sessionId: session.id,
    streamKey: session.streamName,
    address: addressOf(session),
    bytesIn: () => session.inBytes,
    disconnect: () => cutOff(session),
    subscribe(sink) {
      const broadcast = Context.broadcasts.get(session.streamPath);
      if (!broadcast) throw new Error('the publisher has no broadcast');
      // An internal subscriber: an empty ip marks it as such (no prePlay/auth), protocol "flv"
      // makes the broadcast send FLV tags, starting with the cached headers and GOP.
      const subscriber = new BaseSession();
      subscriber.protocol = 'flv';
      subscriber.streamPath = session.streamPath;
      subscriber.sendBuffer = sink;
      broadcast.postPlay(subscriber);
      return () => broadcast.donePlay(subscriber);
    },
  };
}

/**
 * Ends a session without letting another packet through. `close()` only half-closes the socket,
 * and the parser keeps forwarding what is already buffered into the shared broadcast: a refused
 * second publisher would splice its frames into the live stream.
 */
function cutOff(session: NmsSession): void {
  if (session.rtmp) session.rtmp.onPacketCallback = () => undefined;
  if (session.socket) session.socket.destroy();
  else session.close();
}

function addressOf(session: NmsSession): string {
  return session.ip.replace(/:\d+$/, '');
}

/**
 * node-media-server logs every connection at debug level with its stream path, and our stream
 * paths are secrets. Its warnings and errors reach our log with every path and name redacted;
 * the rest is dropped.
 */
function quietLogger(log: Log): void {
  nmsLogger.log = (message: string, level = 'info') => {
    if (level !== 'warn' && level !== 'error') return;
    const redacted = message.replace(/\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+/g, '/<app>/<key>').replace(/name=[^,\s]*/g, 'name=<key>');
    log.warn(`node-media-server: ${redacted}`);
  };
}
