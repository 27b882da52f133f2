// For the unit tests: a real FLV made by FFmpeg, cut as node-media-server hands it to us.

/** The FLV file header (13 bytes), then one chunk per tag with its trailing previous-tag size. */
export function flvChunks(flv: Buffer): Buffer[] {
  const chunks = [flv.subarray(0, 13)];
  for (let at = 13; at + 11 <= flv.length; ) {
    const size = 11 + flv.readUIntBE(at + 1, 3) + 4;
    chunks.push(flv.subarray(at, at + size));
    at += size;
  }
  return chunks;
}
