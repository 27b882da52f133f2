import { createRequire } from 'node:module';

// node-media-server's own RTMP client (the one its relay uses): FFmpeg 5.1 cannot publish
// enhanced RTMP, so this is how a test sends HEVC the way OBS 30+ does.
const require = createRequire(import.meta.url);
const RtmpClient = require('node-media-server/src/protocol/rtmp_client.js');
const AVPacket = require('node-media-server/src/core/avpacket.js');

const HEVC = Buffer.from('hvc1');
const VIDEO = 9;

function videoPacket(dts: number, header: number, body: Buffer): unknown {
  const packet = new AVPacket();
  packet.codec_type = VIDEO;
  packet.dts = dts;
  packet.pts = dts;
  packet.data = Buffer.concat([Buffer.from([header]), HEVC, body]);
  packet.size = packet.data.length;
  return packet;
}

export interface EnhancedRtmpPublisher {
  /** Resolves when the server closed the connection (true) or the publisher ran out (false). */
  closedByServer: Promise<boolean>;
}

/**
 * Publishes `seconds` of HEVC over enhanced RTMP (ExHeader video tags with the FourCC "hvc1"):
 * a sequence start, then a keyframe every second and frames at 25 fps. The frames are not real
 * HEVC: the ingest must refuse the stream from its codec alone, before anything decodes it.
 */
export async function publishEnhancedHevc(url: string, seconds: number): Promise<EnhancedRtmpPublisher> {
  const client = new RtmpClient();
  let closedByServer = false;
  const closed = new Promise<void>((resolve) => {
    client.onCloseCallback = () => {
      closedByServer = true;
      resolve();
    };
  });
  client.onErrorCallback = () => undefined;
  await client.connect(url);
  await client.sendConnect();
  await client.sendCreateStream();
  await client.sendPublish(client.urlInfo.streamName);
  client.sendMetaData({ videocodecid: HEVC.readUInt32BE(0), width: 640, height: 360, framerate: 25 });
  // ExHeader bit | frame type 1 (key) << 4 | packet type 0 (sequence start) or 1 (coded frames).
  client.sendPacket(videoPacket(0, 0x80 | 0x10 | 0x00, Buffer.alloc(32, 1)));
  const sending = (async () => {
    for (let frame = 0; frame < seconds * 25 && !closedByServer; frame++) {
      const key = frame % 25 === 0;
      client.sendPacket(videoPacket(frame * 40, 0x80 | (key ? 0x10 : 0x20) | 0x01, Buffer.alloc(600, frame % 256)));
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  return {
    closedByServer: Promise.race([closed.then(() => true), sending.then(() => false)]).finally(() => client.disconnect()),
  };
}
