/**
 * For players that cannot send headers (native HLS on older iOS, VLC, smart TVs): every URI in a
 * playlist (segment lines and URI="…" attributes of EXT-X-KEY, EXT-X-MAP, EXT-X-MEDIA…) gets
 * `token=…` added to its query, so the requests it leads to carry the token too.
 */
export function addTokenToPlaylist(playlist: string, token: string, keepClean: (uri: string) => boolean = () => false): string {
  // `keepClean`: URIs that must not carry the token (public segments, which a CDN logs and caches).
  const withToken = (uri: string) => (keepClean(uri) ? uri : `${uri}${uri.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`);
  return playlist
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) return line.replace(/URI="([^"]*)"/g, (_, uri: string) => `URI="${withToken(uri)}"`);
      return withToken(trimmed);
    })
    .join('\n');
}
