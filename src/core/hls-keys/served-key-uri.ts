/**
 * FFmpeg's playlists name each key by the path of its plain file in data/key-work
 * (`…/<keyId>.key`); the playlists we serve name it where the edge hands it out. An absolute path,
 * so it resolves to the host that served the playlist (the edge, or the platform mounting it) for
 * every rendition's depth, also when segments come from a CDN host (SEGMENT_BASE_URL).
 */
export function servedKeyUri(eventId: string, keyId: string): string {
  return `/keys/${eventId}/${keyId}`;
}

const LOCAL_KEY_URI = /URI="[^"]*\/([0-9a-f]{16})\.key"/g;

/** `text` with every local key file URI replaced by the served one; other lines as they were. */
export function withServedKeyUris(text: string, eventId: string): string {
  if (!text.includes('#EXT-X-KEY')) return text;
  return text
    .split('\n')
    .map((line) => (line.startsWith('#EXT-X-KEY:') ? line.replace(LOCAL_KEY_URI, (_, keyId: string) => `URI="${servedKeyUri(eventId, keyId)}"`) : line))
    .join('\n');
}
