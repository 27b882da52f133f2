import Hls from 'hls.js';
import { formatCode, isCompleteCode } from './code-format';
import { countdownText, MESSAGES, t, useLanguage } from './messages';
import { enterPlayback, pageEventId, showEventPage } from './event-page';
import type { MessageKey } from './i18n/catalogue';
import { mountControls, type PlayerControls } from './controls/player-controls';
import { offerTryAgain, refusalText, removeTryAgain, watchSession } from './device-seats';
import { startHlsPlayback } from './hls-playback';
import { startNativePlayback } from './native-playback';
import type { Grant, Playback, PlaybackHost } from './playback';
import { heartbeatIntervalMs } from './token-lifetime';

interface ApiError {
  code: string;
  message: string;
  retryAfter?: number;
  startsAt?: string;
}

/** After a heartbeat the platform could not answer (busy, restarting): try again this soon. */
const HEARTBEAT_RETRY_MS = 5_000;
/** Answers that mean "not now" rather than "no": playback goes on with the current token. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('code-form');
const input = $<HTMLInputElement>('code');
const button = $<HTMLButtonElement>('watch');
const message = $<HTMLParagraphElement>('message');
const video = $<HTMLVideoElement>('video');
/** Built on first playback, once the page has chosen its language (the event's default may decide it). */
let controls: PlayerControls | null = null;

let grant: Grant | null = null;
let playback: Playback | null = null;
let heartbeatTimer: number | undefined;
let heartbeatRetry: number | undefined;
let countdownTimer: number | undefined;
let stopWatch: (() => void) | undefined;

/** One id per browser, so reopening the page resumes the session instead of conflicting with itself. */
function deviceId(): string {
  let id = localStorage.getItem('streamgate.deviceId');
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem('streamgate.deviceId', id);
  }
  return id;
}

function show(text: string, kind: 'error' | 'info' = 'error'): void {
  message.textContent = text;
  message.className = kind;
  message.hidden = false;
}

function clearMessage(): void {
  window.clearInterval(countdownTimer);
  removeTryAgain();
  message.hidden = true;
}

/** Shows the text `key` with a live {countdown}; runs `then` when it reaches zero. */
function countdown(key: MessageKey, seconds: number, then?: () => void): void {
  window.clearInterval(countdownTimer);
  let left = Math.max(0, Math.round(seconds));
  const render = () => show(t(key, { countdown: countdownText(left) }), 'info');
  render();
  countdownTimer = window.setInterval(() => {
    left -= 1;
    if (left > 0) return render();
    window.clearInterval(countdownTimer);
    then?.();
  }, 1_000);
}

async function post(path: string, body: unknown, token?: string): Promise<{ status: number; json: any }> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, json };
}

function explain(error: ApiError, retry: () => void, retried = false): void {
  // Every seat taken: retry by itself when the countdown ends, and offer a button if still refused.
  if (error.code === 'device_conflict' && retried) {
    show(MESSAGES.device_conflict!);
    return offerTryAgain(message, retry);
  }
  if (error.code === 'device_conflict' && error.retryAfter) {
    return countdown('take_over_in', error.retryAfter, retry);
  }
  if (error.code === 'event_not_available' && error.startsAt) {
    const seconds = (Date.parse(error.startsAt) - Date.now()) / 1000;
    return countdown('not_started_in', seconds, retry);
  }
  if (error.code === 'rate_limited' && error.retryAfter) return countdown('try_again_in', error.retryAfter);
  // Only our own words: the server's English message is not in the viewer's language.
  show(MESSAGES[error.code] ?? t('generic_error'));
}

async function validate(code: string, retried = false): Promise<void> {
  button.disabled = true;
  clearMessage();
  try {
    const { status, json } = await post('/api/tokens/validate', { code, deviceId: deviceId() });
    if (status !== 200) return explain(json?.error ?? { code: 'network', message: MESSAGES.network }, () => void validate(code, !retried), retried);
    startPlayback(json as Grant);
  } catch {
    show(MESSAGES.network);
  } finally {
    button.disabled = false;
  }
}

/** A public event plays without a code; refused (no longer public…), the code form stays. */
async function playPublic(eventId: string, retried = false): Promise<void> {
  clearMessage();
  try {
    const { status, json } = await post(`/api/events/${encodeURIComponent(eventId)}/play`, { deviceId: deviceId() });
    if (status !== 200) return explain(json?.error ?? { code: 'network', message: MESSAGES.network }, () => void playPublic(eventId, !retried), retried);
    startPlayback(json as Grant);
  } catch {
    show(MESSAGES.network);
  }
}

function startPlayback(next: Grant): void {
  grant = next;
  $('entry').hidden = true;
  $('player').hidden = false;
  $('event-title').textContent = next.event.title;
  $('native').hidden = next.anonymous === true;
  $('live-badge').hidden = next.event.status !== 'live';
  enterPlayback();
  showAudioView(false);
  const engine = playbackEngine();
  if (!engine) return show(MESSAGES.unsupported);
  if (engine === 'native' && !next.queryTokens) {
    // Nothing to play here: give the seat back at once rather than hold it for 90 s.
    void post('/api/sessions/release', { sessionId: next.sessionId }, next.token).catch(() => undefined);
    return stop(MESSAGES.native_unsupported!);
  }
  playback?.destroy();
  controls ??= mountControls(video, document.documentElement.lang);
  playback = (engine === 'hls' ? startHlsPlayback : startNativePlayback)(host(controls), next.playbackUrl);
  stopWatch?.();
  // Take-over events: told the moment another device takes this seat (device-seats.ts).
  if (next.event.devicePolicy === 'takeover') stopWatch = watchSession(() => grant, (error) => stop(refusalText(error)));
  window.clearInterval(heartbeatTimer);
  heartbeatTimer = window.setInterval(() => void sendHeartbeat(), heartbeatIntervalMs(next.token));
}

/**
 * hls.js wherever there is MediaSource (every desktop browser, Android, iOS 17.1+); else the
 * browser's own HLS, which only iPhones before iOS 17.1 need (it takes the token in the URL).
 */
function playbackEngine(): 'hls' | 'native' | null {
  if (Hls.isSupported()) return 'hls';
  return video.canPlayType('application/vnd.apple.mpegurl') ? 'native' : null;
}

/** The page as the playback engines see it. */
function host(controls: PlayerControls): PlaybackHost {
  return {
    video,
    controls,
    grant: () => grant,
    renew: sendHeartbeat,
    stop,
    inform: (text) => show(text, 'info'),
    ready: () => {
      clearMessage();
      void autoplay();
    },
    showAudioView,
    showLive: (live) => void ($('live-badge').hidden = !live),
    showLatency: (seconds) => {
      const figure = seconds.toLocaleString(document.documentElement.lang || undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      $('live-badge').title = t('live_latency', { seconds: figure });
    },
  };
}

/** Sound without a picture gets the audio view and a slim player instead of a black 16:9 box. */
function showAudioView(audioOnly: boolean): void {
  $('audio-view').hidden = !audioOnly;
  $('player').classList.toggle('audio-only', audioOnly);
}

/**
 * Browsers refuse to autoplay sound without a click (an emailed ?code= link has none); muted
 * playback is allowed, so start muted and say how to get the sound.
 */
async function autoplay(): Promise<void> {
  try {
    await video.play();
  } catch (error) {
    // Only a refusal of sound means "try muted"; an interrupted play() (a reload) will be retried by its load.
    if ((error as DOMException).name !== 'NotAllowedError') return;
    video.muted = true;
    try {
      await video.play();
      if (!grant) return; // stopped meanwhile (a link, a refusal): its message stays
      show(MESSAGES.muted, 'info');
      video.addEventListener('volumechange', () => !video.muted && clearMessage(), { once: true });
    } catch {
      if (grant) show(MESSAGES.press_play, 'info');
    }
  }
}

/** Renews the token; true when playback may go on. A refusal stops playback with its reason. */
async function sendHeartbeat(): Promise<boolean> {
  if (!grant) return false;
  try {
    const { status, json } = await post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, grant.token);
    if (status === 200) {
      grant = { ...grant, token: json.token, expiresAt: json.expiresAt };
      playback?.renewed();
      return true;
    }
    // A platform replica restarting, its database failing over, a proxy timing out: the token is
    // good for minutes and the session for 90 s without a beat, so keep playing and ask again soon.
    if (TRANSIENT_STATUSES.has(status)) return retryHeartbeatSoon();
    stop(refusalText(json?.error));
    return false;
  } catch {
    return retryHeartbeatSoon(); // offline for a moment
  }
}

function retryHeartbeatSoon(): true {
  window.clearTimeout(heartbeatRetry);
  heartbeatRetry = window.setTimeout(() => void sendHeartbeat(), HEARTBEAT_RETRY_MS);
  return true;
}

/** Stops playback and says why; the code form comes back for another try. */
function stop(text: string): void {
  stopWatch?.();
  window.clearInterval(heartbeatTimer);
  window.clearTimeout(heartbeatRetry);
  playback?.destroy();
  playback = null;
  video.removeAttribute('src');
  grant = null;
  $('player').hidden = true;
  $('entry').hidden = false;
  show(text);
}

/**
 * "Watch in VLC / on a TV": the session moves to a personal link (long-lived, revocable: the
 * platform re-checks the code whenever the edge opens it). This page stops playing, so the code
 * still plays on one device.
 */
async function getLink(): Promise<void> {
  if (!grant) return;
  const button = $<HTMLButtonElement>('get-link');
  button.disabled = true;
  stopWatch?.(); // the session ends by moving to the link: no "ended" message for that
  try {
    const { status, json } = await post('/api/sessions/link', { sessionId: grant.sessionId }, grant.token);
    if (status !== 200) return show(MESSAGES[json?.error?.code] ?? MESSAGES.unauthorized);
    window.clearInterval(heartbeatTimer);
    playback?.destroy();
    playback = null;
    video.removeAttribute('src');
    video.hidden = true;
    grant = null;
    $<HTMLInputElement>('link-url').value = new URL(json.url, location.href).toString();
    $('link-box').hidden = false;
    button.hidden = true;
    show(MESSAGES.link_ready, 'info');
  } catch {
    show(MESSAGES.network, 'info');
  } finally {
    button.disabled = false;
  }
}

$('get-link').addEventListener('click', () => void getLink());
$('copy-link').addEventListener('click', () => {
  const field = $<HTMLInputElement>('link-url');
  field.select();
  void navigator.clipboard?.writeText(field.value).catch(() => undefined);
});

// Free the code for another device as soon as this page goes away.
window.addEventListener('pagehide', () => {
  if (!grant) return;
  const body = new Blob([JSON.stringify({ sessionId: grant.sessionId, token: grant.token })], { type: 'text/plain' });
  navigator.sendBeacon('/api/sessions/release', body);
});

input.addEventListener('input', () => {
  const caret = input.selectionStart === input.value.length;
  input.value = formatCode(input.value);
  if (caret) input.setSelectionRange(input.value.length, input.value.length);
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!isCompleteCode(input.value)) return show(t('code_incomplete'));
  void validate(input.value);
});

/**
 * Links in emails (/watch/:eventId?code=…) carry the code: it is taken, then dropped from the
 * address bar and history at once (before anything else loads), so it stays in neither history
 * nor a referrer. An event's page shows its branding first, and asks for no code once it is over.
 */
async function start(): Promise<void> {
  const prefill = new URLSearchParams(location.search).get('code');
  if (prefill) history.replaceState(null, '', location.pathname);
  const eventId = pageEventId();
  const page = eventId ? await showEventPage(eventId, (text) => show(text, 'info')) : (useLanguage(), null);
  if (page?.over) return;
  // A code in the link wins: its holder may watch more than the public part.
  if (page?.public && eventId && !prefill) return void playPublic(eventId);
  if (prefill) input.value = formatCode(prefill);
  // A complete code plays at once: focus left in the code field would keep the player's keys from it.
  if (isCompleteCode(input.value)) void validate(input.value);
  else input.focus();
}
void start();
