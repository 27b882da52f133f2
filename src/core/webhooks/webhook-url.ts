import { invalidInput } from '../errors.js';

const MAX_URL_LENGTH = 2_000;

/**
 * An operator-supplied receiver URL: http or https only (no file:, data:, or anything else fetch
 * might open), and no user name or password in it, since URLs are listed and logged in full (a
 * receiver authenticates deliveries by their signature). Any host is allowed, private addresses
 * included: a ticket shop on the LAN is a fair receiver, and only an administrator adds one.
 */
export function checkWebhookUrl(input: string, what = 'url'): string {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput(`${what}: "${text.slice(0, 100)}" is not a URL (e.g. https://shop.example/streamgate)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`${what}: only http:// and https:// URLs are allowed`);
  if (url.username || url.password) throw invalidInput(`${what}: no user name or password in the URL (deliveries are signed instead)`);
  if (url.hash) throw invalidInput(`${what}: no #fragment`);
  if (url.href.length > MAX_URL_LENGTH) throw invalidInput(`${what}: at most ${MAX_URL_LENGTH} characters`);
  return url.href;
}
