import { countdownText, language, t, useLanguage } from './messages';

/** What GET /api/events/:id/page answers: the event's branding and schedule, public. */
export interface EventPage {
  id: string;
  title: string;
  description: string | null;
  organiser: string | null;
  posterUrl: string | null;
  logoUrl: string | null;
  accent: string | null;
  language: string;
  status: string;
  startsAt: string | null;
  over: boolean;
  /** Plays without a code (`events update --public`). */
  public?: boolean;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let scheduleTimer: number | undefined;

/** The event of /watch/:eventId or /embed/:eventId; null on the portal (any code). */
export function pageEventId(): string | null {
  const match = /^\/(?:watch|embed)\/([a-z0-9][a-z0-9-]{0,62})\/?$/.exec(location.pathname);
  return match ? match[1]! : null;
}

/**
 * Shows the event's page before any code: language first (the event's default when the browser
 * asks for none we have), then the branding, and the countdown or "this event is over". Returns
 * the page, or null when there is no such event (the code form stays, for any code).
 */
export async function showEventPage(eventId: string, say: (text: string) => void): Promise<EventPage | null> {
  if (location.pathname.startsWith('/embed/')) document.body.classList.add('embed');
  let page: EventPage | null = null;
  try {
    const response = await fetch(`/api/events/${encodeURIComponent(eventId)}/page`);
    if (response.ok) page = (await response.json()) as EventPage;
  } catch {
    // offline: the portal's form still works once the network is back
  }
  useLanguage(page?.language);
  if (!page) {
    say(t('event_not_found'));
    return null;
  }
  renderBranding(page);
  if (page.over) {
    $('over').hidden = false;
    $('entry').hidden = true;
  } else {
    renderSchedule(page);
  }
  return page;
}

function renderBranding(page: EventPage): void {
  document.title = `${page.title} — ${t('page_title')}`;
  $('brand').hidden = false;
  $('brand-title').textContent = page.title;
  const organiser = $('brand-organiser');
  organiser.hidden = !page.organiser;
  organiser.textContent = page.organiser ? t('organised_by', { name: page.organiser }) : '';
  showImage($<HTMLImageElement>('brand-logo'), page.logoUrl, page.organiser ?? t('logo_alt'));
  showImage($<HTMLImageElement>('brand-poster'), page.posterUrl, t('poster_alt'));
  if (page.posterUrl) $<HTMLVideoElement>('video').poster = page.posterUrl;
  const description = $('brand-description');
  description.hidden = !page.description;
  description.textContent = page.description ?? '';
  if (page.accent) {
    document.documentElement.style.setProperty('--accent', page.accent);
    document.documentElement.style.setProperty('--on-accent', readableOn(page.accent));
  }
}

function showImage(image: HTMLImageElement, url: string | null, alt: string): void {
  image.hidden = !url;
  if (!url) return;
  image.src = url;
  image.alt = alt;
}

/** Black or white text, whichever reads better on the accent (WCAG relative luminance). */
function readableOn(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff';
}

/** Before the start: when, in the viewer's own time zone and words, and how long until then. */
function renderSchedule(page: EventPage): void {
  const startsAt = page.startsAt ? Date.parse(page.startsAt) : NaN;
  if (page.status !== 'scheduled' || !(startsAt > Date.now())) return;
  $('schedule').hidden = false;
  $('starts-at').textContent = t('starts_at', { time: localTime(startsAt) });
  const render = () => {
    const left = Math.round((startsAt - Date.now()) / 1000);
    if (left <= 0) {
      window.clearInterval(scheduleTimer);
      $('starts-in').textContent = t('starting_now');
      return;
    }
    $('starts-in').textContent = t('starts_in', { countdown: countdownText(left) });
  };
  render();
  scheduleTimer = window.setInterval(render, 1_000);
}

/** The browser's own regional format when it speaks the page's language (en-GB, de-AT), else the language's. */
export function localTime(ms: number): string {
  const browser = navigator.language;
  const locale = browser.toLowerCase().split('-')[0] === language() ? browser : language();
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  }).format(ms);
}

/** Playing: the player takes the poster's place, and the countdown has done its job. */
export function enterPlayback(): void {
  window.clearInterval(scheduleTimer);
  $('schedule').hidden = true;
  $('brand-poster').hidden = true;
  // On an event's page its title is already the page's heading.
  $('event-title').hidden = !$('brand').hidden;
}
