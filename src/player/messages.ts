import { CATALOGUES, format, pickLanguage, type Language, type MessageKey } from './i18n/catalogue';

/**
 * The page's texts in the viewer's language (i18n/: en, de, fr, es). `MESSAGES` holds the current
 * language's catalogue: the refusals are looked up in it by their SPEC §3 error code.
 */
export const MESSAGES: Record<string, string> = { ...CATALOGUES.en };
let current: Language = 'en';

export function language(): Language {
  return current;
}

/**
 * Chooses the language from the browser's (navigator.languages mirrors Accept-Language), with the
 * event's default when none is offered; sets <html lang> and every `data-i18n` text of the page.
 */
export function useLanguage(eventDefault?: string | null): Language {
  current = pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language], eventDefault);
  Object.assign(MESSAGES, CATALOGUES[current]);
  document.documentElement.lang = current;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n as MessageKey);
  }
  return current;
}

export function t(key: MessageKey, values?: Record<string, string | number>): string {
  return format(MESSAGES[key] ?? CATALOGUES.en[key], values);
}

/** "2d 3h 4m", "4m 5s", "5s" in the viewer's language. */
export function countdownText(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  const parts: [MessageKey, number][] = d > 0 ? [['unit_days', d], ['unit_hours', h], ['unit_minutes', m]]
    : h > 0 ? [['unit_hours', h], ['unit_minutes', m], ['unit_seconds', s]]
    : m > 0 ? [['unit_minutes', m], ['unit_seconds', s]]
    : [['unit_seconds', s]];
  return parts.map(([key, n]) => t(key, { n })).join(' ');
}
