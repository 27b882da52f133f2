import type { Db } from '../db/database.js';
import type { EventBrandingRow } from '../db/schema.js';
import { invalidInput } from '../errors.js';
import { BRANDING_FILE_PATTERN, brandingImageUrl } from './branding-image.js';

/** The languages the viewer's page is written in (src/player/i18n/); an event picks its default. */
export const PAGE_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

/**
 * A change to an event's branding: a field left undefined stays, null clears it. Images are the
 * names storeBrandingImage returned (the files are written before the transaction).
 */
export interface BrandingInput {
  description?: string | null;
  organiser?: string | null;
  poster?: string | null;
  logo?: string | null;
  accent?: string | null;
  language?: string;
}

/** The branding as the CLI and the admin API show it. */
export interface BrandingView {
  description: string | null;
  organiser: string | null;
  posterUrl: string | null;
  logoUrl: string | null;
  accent: string | null;
  language: PageLanguage;
}

export const BRANDING_FIELDS = ['description', 'organiser', 'poster', 'logo', 'accent', 'language'] as const;

export function hasBrandingChange(input: BrandingInput | undefined): boolean {
  return !!input && BRANDING_FIELDS.some((field) => input[field] !== undefined);
}

function checkText(value: string | null, max: number, what: string, multiline: boolean): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const control = multiline ? /[\u0000-\u0009\u000b-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
  if (trimmed.length > max || control.test(trimmed)) {
    throw invalidInput(`${what}: at most ${max} printable characters${multiline ? ' (line breaks allowed)' : ''}`);
  }
  return trimmed;
}

export function checkAccent(value: string | null, what = '--accent'): string | null {
  if (value === null || value === '') return null;
  if (!/^#[0-9a-fA-F]{6}$/.test(value)) throw invalidInput(`${what}: "${value}" is not a colour of the form #rrggbb`);
  return value.toLowerCase();
}

export function checkLanguage(value: string, what = '--language'): PageLanguage {
  if (!(PAGE_LANGUAGES as readonly string[]).includes(value)) throw invalidInput(`${what}: "${value}" is not one of ${PAGE_LANGUAGES.join(', ')}`);
  return value as PageLanguage;
}

function checkImageName(value: string | null, what: string): string | null {
  if (value === null) return null;
  if (!BRANDING_FILE_PATTERN.test(value)) throw invalidInput(`${what}: not a stored image`);
  return value;
}

/** The row the event has after `input`: `current` (or nothing) with the given fields checked and applied. */
export function nextBranding(eventId: string, current: EventBrandingRow | undefined, input: BrandingInput, now: number, prefix = '--'): EventBrandingRow {
  const given = (field: keyof BrandingInput) => input[field] !== undefined;
  return {
    event_id: eventId,
    description: given('description') ? checkText(input.description ?? null, 2000, `${prefix}description`, true) : (current?.description ?? null),
    organiser: given('organiser') ? checkText(input.organiser ?? null, 200, `${prefix}organiser`, false) : (current?.organiser ?? null),
    poster: given('poster') ? checkImageName(input.poster ?? null, `${prefix}poster`) : (current?.poster ?? null),
    logo: given('logo') ? checkImageName(input.logo ?? null, `${prefix}logo`) : (current?.logo ?? null),
    accent: given('accent') ? checkAccent(input.accent ?? null, `${prefix}accent`) : (current?.accent ?? null),
    language: input.language !== undefined ? checkLanguage(input.language, `${prefix}language`) : (current?.language ?? 'en'),
    updated_at: now,
  };
}

export async function findBranding(db: Db, eventId: string): Promise<EventBrandingRow | undefined> {
  return db.selectFrom('event_branding').selectAll().where('event_id', '=', eventId).executeTakeFirst();
}

/** Writes the event's branding inside the caller's transaction (the event's own create or update). */
export async function writeBranding(trx: Db, eventId: string, input: BrandingInput, now: number, prefix = '--'): Promise<EventBrandingRow> {
  const current = await findBranding(trx, eventId);
  const next = nextBranding(eventId, current, input, now, prefix);
  if (current) {
    const { event_id: _id, ...changes } = next;
    await trx.updateTable('event_branding').set(changes).where('event_id', '=', eventId).execute();
  } else {
    await trx.insertInto('event_branding').values(next).execute();
  }
  return next;
}

export function toBrandingView(row: EventBrandingRow | undefined): BrandingView {
  return {
    description: row?.description ?? null,
    organiser: row?.organiser ?? null,
    posterUrl: brandingImageUrl(row?.poster ?? null),
    logoUrl: brandingImageUrl(row?.logo ?? null),
    accent: row?.accent ?? null,
    language: (row?.language ?? 'en') as PageLanguage,
  };
}
