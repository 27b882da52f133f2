import type { PlayerControls } from './controls/player-controls';

/** What `POST /api/tokens/validate` answers (SPEC §3). */
export interface Grant {
  token: string;
  expiresAt: string;
  sessionId: string;
  /** `latency` low: hls.js plays in its low-latency mode (hls-playback.ts). */
  event: { id: string; title: string; status: string; devicePolicy?: string; latency?: string };
  playbackUrl: string;
  /** The edge takes `?token=` (EDGE_QUERY_TOKENS): the only way a native HLS player gets in. */
  queryTokens?: boolean;
  /** A public event played without a code: no personal link (it would need one). */
  anonymous?: boolean;
}

/**
 * What a playback engine (hls-playback.ts, native-playback.ts) asks of the page: the token of the
 * moment, a renewal, and the page's ways of telling the viewer. Refusals read the same either way.
 */
export interface PlaybackHost {
  video: HTMLVideoElement;
  controls: PlayerControls;
  grant(): Grant | null;
  /** Renews the token now (a heartbeat); true when playback may go on, else the page has stopped. */
  renew(): Promise<boolean>;
  /** Stops playback with this text; the code form comes back. */
  stop(text: string): void;
  /** A passing state ("not started yet", "network"): playback goes on trying. */
  inform(text: string): void;
  /** The stream is there: clears the message and starts playing (muted if the browser insists). */
  ready(): void;
  showAudioView(audioOnly: boolean): void;
  showLive(live: boolean): void;
  /** Seconds behind the live edge, as the player measures it (the LIVE badge's title). */
  showLatency(seconds: number): void;
}

export interface Playback {
  /** The heartbeat brought a fresh token. */
  renewed(): void;
  destroy(): void;
}

/** Refused by the edge again this soon after a renewal: the edge knows something the platform did not say. */
export const REFUSED_AGAIN_MS = 10_000;
