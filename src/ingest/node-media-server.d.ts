// The parts of node-media-server 4.4.3 (CommonJS, no types of its own) that rtmp-server.ts uses.
// The version is pinned exactly in package.json: these are internals, covered by test/e2e.

declare module 'node-media-server' {
  import type { BaseSession } from 'node-media-server/src/session/base_session.js';

  interface NmsConfig {
    bind: string;
    rtmp?: { port: number };
    /** Paths: it reads both files once, in its constructor. */
    rtmps?: { port: number; key: string; cert: string };
  }

  export default class NodeMediaServer {
    constructor(config: NmsConfig);
    rtmpServer: { run(): void; stop(): void; tcpServer?: import('node:net').Server; tlsServer?: import('node:tls').Server };
    on(event: 'prePublish' | 'postPublish' | 'donePublish', listener: (session: BaseSession) => void): void;
    stop(): Promise<void>;
  }
}

declare module 'node-media-server/src/session/base_session.js' {
  export class BaseSession {
    id: string;
    ip: string;
    protocol: string;
    streamPath: string;
    streamApp: string;
    streamName: string;
    inBytes: number;
    isPublisher: boolean;
    /** RtmpSession only. */
    socket?: import('node:net').Socket;
    /** RtmpSession only: the protocol parser whose callback hands packets to the broadcast. */
    rtmp?: { onPacketCallback: (packet: unknown) => void };
    sendBuffer(buffer: Buffer): void;
    close(): void;
  }
  const BaseSessionClass: typeof BaseSession;
  export default BaseSessionClass;
}

declare module 'node-media-server/src/core/context.js' {
  import type { BaseSession } from 'node-media-server/src/session/base_session.js';

  interface Broadcast {
    publisher: BaseSession | null;
    subscribers: Map<string, BaseSession>;
    postPlay(session: BaseSession): string | null;
    donePlay(session: BaseSession): void;
  }
  const Context: { broadcasts: Map<string, Broadcast> };
  export default Context;
}

declare module 'node-media-server/src/core/logger.js' {
  const logger: { level: string; log(message: string, level?: string): void };
  export default logger;
}

declare module 'node-media-server/src/protocol/rtmp_client.js' {
  import type { Socket } from 'node:net';
  import type AVPacket from 'node-media-server/src/core/avpacket.js';

  /** An RTMP client: the simple handshake, then commands and media. */
  export default class RtmpClient {
    socket: Socket | null;
    onCloseCallback: (hadError: boolean) => void;
    onErrorCallback: (error: Error) => void;
    connect(rtmpUrl: string): Promise<void>;
    sendConnect(): Promise<unknown>;
    sendCreateStream(): Promise<number>;
    sendPublish(streamName: string, type?: string): Promise<unknown>;
    sendPacket(packet: AVPacket): void;
    disconnect(): void;
  }
}

declare module 'node-media-server/src/protocol/flv.js' {
  import type AVPacket from 'node-media-server/src/core/avpacket.js';

  /** An FLV byte-stream parser handing out one packet per tag. */
  export default class Flv {
    onPacketCallback: (packet: AVPacket) => void;
    /** Returns an error message, or null. */
    parserData(buffer: Buffer): string | null;
  }
}

declare module 'node-media-server/src/core/avpacket.js' {
  export default class AVPacket {
    codec_type: number;
    size: number;
    dts: number;
    data: Buffer;
  }
}
