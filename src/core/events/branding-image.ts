import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { invalidInput } from '../errors.js';

export type BrandingImageKind = 'poster' | 'logo';

/** A poster is a full-width picture; a logo a small mark beside the title. */
export const IMAGE_LIMITS: Record<BrandingImageKind, number> = { poster: 2 * 1024 * 1024, logo: 512 * 1024 };

export type ImageType = 'png' | 'jpg' | 'webp';

export const IMAGE_CONTENT_TYPES: Record<ImageType, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

/** How stored images are named: the SHA-256 of the bytes and the real type. Nothing else is served. */
export const BRANDING_FILE_PATTERN = /^[0-9a-f]{64}\.(png|jpg|webp)$/;

/**
 * The image's type from its first bytes, whatever its name or declared type says. SVG is never
 * accepted: it is a document that can carry script.
 */
export function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

/** Refuses what is not a PNG, JPEG or WebP of at most the kind's size; returns its type. */
export function checkBrandingImage(kind: BrandingImageKind, bytes: Buffer, what = `--${kind}`): ImageType {
  const limit = IMAGE_LIMITS[kind];
  if (bytes.length === 0) throw invalidInput(`${what}: the file is empty`);
  if (bytes.length > limit) {
    throw invalidInput(`${what}: ${Math.ceil(bytes.length / 1024)} KiB is too big; a ${kind} is at most ${limit / 1024} KiB`, 'image_too_large');
  }
  const type = sniffImageType(bytes);
  if (!type) throw invalidInput(`${what}: not a PNG, JPEG or WebP image (SVG is not accepted)`, 'unsupported_image');
  return type;
}

export function brandingDir(dataDir: string): string {
  return path.join(dataDir, 'branding');
}

/**
 * Checks the image and writes it once under data/branding/<sha256>.<type>, atomically; returns
 * that file name. The same image uploaded twice is one file, and a name never changes content,
 * so browsers may cache it for good.
 */
export function storeBrandingImage(dataDir: string, kind: BrandingImageKind, bytes: Buffer, what?: string): string {
  const type = checkBrandingImage(kind, bytes, what);
  const name = `${createHash('sha256').update(bytes).digest('hex')}.${type}`;
  const dir = brandingDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const target = path.join(dir, name);
  if (!fs.existsSync(target)) writeFileAtomic(target, bytes, 0o644);
  return name;
}

/** The stored file for a name from a URL, or null: only names of the stored form, inside the folder. */
export function brandingImagePath(dataDir: string, name: string): string | null {
  return BRANDING_FILE_PATTERN.test(name) ? path.join(brandingDir(dataDir), name) : null;
}

/** Where the platform serves a stored image (server/routes/event-page.ts). */
export function brandingImageUrl(name: string | null): string | null {
  return name ? `/branding/${name}` : null;
}
