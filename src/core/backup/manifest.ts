/**
 * What a backup archive holds, by entry name. `manifest.json` comes first, so a restore knows
 * what it is reading before it writes anything.
 */
export const ARCHIVE_FORMAT = 'streamgate-backup/1';

export const ENTRY = {
  manifest: 'manifest.json',
  secret: 'secret',
  sqlite: 'streamgate.db',
  postgres: 'streamgate.pgdump',
  media: 'hls',
  /** The sealed AES-128 keys of encrypted events (data/keys). */
  keys: 'keys',
} as const;

export interface BackupManifest {
  format: typeof ARCHIVE_FORMAT;
  /** The StreamGate version that wrote it. */
  version: string;
  createdAt: string;
  database: 'sqlite' | 'postgres';
  withMedia: boolean;
}

export function parseManifest(text: string): BackupManifest {
  let manifest: Partial<BackupManifest>;
  try {
    manifest = JSON.parse(text) as Partial<BackupManifest>;
  } catch {
    throw new Error('manifest.json is not JSON');
  }
  if (manifest.format !== ARCHIVE_FORMAT) throw new Error(`manifest.json: format ${JSON.stringify(manifest.format)} is not ${ARCHIVE_FORMAT}`);
  if (manifest.database !== 'sqlite' && manifest.database !== 'postgres') throw new Error('manifest.json: database must be sqlite or postgres');
  return manifest as BackupManifest;
}
