import fs from 'node:fs';
import type { Config } from '../core/config.js';
import { storeBrandingImage, type BrandingImageKind } from '../core/events/branding-image.js';
import { hasBrandingChange, type BrandingInput } from '../core/events/event-branding.js';
import { invalidInput } from '../core/errors.js';

/** The watch page's flags of `events create|update`, as commander names them. */
export interface BrandingFlags {
  description?: string;
  organiser?: string;
  poster?: string;
  logo?: string;
  accent?: string;
  language?: string;
}

/** "none" (or an empty value) clears a field on update. */
const clears = (value: string) => value === '' || value === 'none';

function imageFlag(config: Config, kind: BrandingImageKind, file: string | undefined): string | null | undefined {
  if (file === undefined) return undefined;
  if (clears(file)) return null;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw invalidInput(`--${kind}: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // Written (content-named, atomically) before the event's transaction: an image whose event
  // change then fails is an unused file, never a reference to a missing one.
  return storeBrandingImage(config.dataDir, kind, bytes);
}

/** The flags as a branding change, images checked and stored; undefined when no flag was given. */
export function brandingFromFlags(config: Config, flags: BrandingFlags): BrandingInput | undefined {
  const input: BrandingInput = {
    description: flags.description === undefined ? undefined : clears(flags.description) ? null : flags.description,
    organiser: flags.organiser === undefined ? undefined : clears(flags.organiser) ? null : flags.organiser,
    accent: flags.accent === undefined ? undefined : clears(flags.accent) ? null : flags.accent,
    language: flags.language,
    poster: imageFlag(config, 'poster', flags.poster),
    logo: imageFlag(config, 'logo', flags.logo),
  };
  return hasBrandingChange(input) ? input : undefined;
}
