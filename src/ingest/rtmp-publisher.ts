import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import Flv from 'node-media-server/src/protocol/flv.js';
import RtmpClient from 'node-media-server/src/protocol/rtmp_client.js';

/**
 * Publishes an FLV byte stream (e.g. FFmpeg's `-f flv pipe:1`) to an RTMP server from this
 * process. The publish URL holds the stream key, and a child's argv is readable by every user of
 * the machine (`ps`, /proc/PID/cmdline): with this, the key never leaves our own memory.
 *
 * Uses node-media-server's own RTMP client and FLV parser (4.4.3, pinned). Resolves once the
 * server has accepted the publish and the stream ended (`flv` ended and the socket flushed);
 * rejects when the server refuses or drops the connection. Either way `flv` is destroyed, so the
 * writer on its other end (FFmpeg) gets EPIPE and stops.
 */
export async function publishFlv(publishUrl: string, flv: Readable): Promise<void> {
  const client = new RtmpClient();
  const closed = new Promise<never>((_resolve, reject) => {
    client.onCloseCallback = () => reject(new Error('the RTMP server closed the connection'));
    client.onErrorCallback = (error) => reject(error);
  });
  closed.catch(() => undefined); // observed below; an early refusal must not be unhandled
  try {
    await client.connect(publishUrl);
    const streamName = decodeURIComponent(new URL(publishUrl).pathname.split('/').slice(2).join('/'));
    await client.sendConnect();
    await client.sendCreateStream();
    await client.sendPublish(streamName);
    await Promise.race([pump(flv, client), closed]);
  } catch (error) {
    flv.destroy();
    client.disconnect();
    throw error;
  }
}

/** FLV tags in, RTMP messages out, at the pace the socket takes them. */
function pump(flv: Readable, client: RtmpClient): Promise<void> {
  const parser = new Flv();
  parser.onPacketCallback = (packet) => client.sendPacket(packet);
  const socket = client.socket!;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      let error: string | null;
      try {
        error = parser.parserData(chunk); // sends each whole tag; throws once the socket is gone
      } catch (thrown) {
        return done(thrown as Error);
      }
      if (error) return done(new Error(`not an FLV stream: ${error}`));
      if (socket.writableNeedDrain) socket.once('drain', () => done());
      else done();
    },
    final(done) {
      socket.end(() => done());
    },
  });
  return new Promise((resolve, reject) => {
    flv.pipe(sink).once('finish', resolve).once('error', reject);
    flv.once('error', reject);
  });
}
