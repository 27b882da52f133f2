import { de } from './de.js';
import { en, type Catalogue, type MessageKey } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';

export type { Catalogue, MessageKey };

/** The page's languages; an event's default is one of them (core/events/event-branding.ts). */
export const CATALOGUES = { en, de, fr, es } as const satisfies Record<string, Catalogue>;
export type Language = keyof typeof CATALOGUES;
export const LANGUAGES = Object.keys(CATALOGUES) as Language[];

function isLanguage(value: string): value is Language {
  return (LANGUAGES as string[]).includes(value);
}

/**
 * The first of the viewer's languages (the browser's list, as in Accept-Language, best first) that
 * the page speaks, by primary subtag ("de-AT" → de); else the event's default; else English.
 */
export function pickLanguage(preferred: readonly string[], fallback?: string | null): Language {
  for (const tag of preferred) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
    if (isLanguage(primary)) return primary;
  }
  return fallback && isLanguage(fallback) ? fallback : 'en';
}

/** A text with its `{name}` placeholders filled. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
