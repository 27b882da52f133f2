/**
 * A user agent in words an operator recognises: "Firefox 131 on Windows", "Safari 17 on iOS",
 * "VLC 3.0". Only the browser's major version and the system's family: enough to tell a viewer's
 * devices apart on the phone, without a database of every device ever made. Null when there is
 * nothing to go on.
 */
export function describeUserAgent(userAgent: string | null | undefined): string | null {
  if (!userAgent?.trim()) return null;
  const browser = browserOf(userAgent);
  const system = systemOf(userAgent);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system;
}

/**
 * Most specific first: Chromium-based browsers also say "Chrome" and "Safari", and Chrome says
 * "Safari"; every iOS browser is Safari underneath and names itself in its own token.
 */
const BROWSERS: [name: string, token: RegExp][] = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/(\d+)/],
  ['Opera', /\b(?:OPR|OPiOS)\/(\d+)/],
  ['Samsung Internet', /\bSamsungBrowser\/(\d+)/],
  ['Vivaldi', /\bVivaldi\/(\d+)/],
  ['Yandex', /\bYaBrowser\/(\d+)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/(\d+)/],
  ['Chrome', /\b(?:CriOS|HeadlessChrome|Chrome)\/(\d+)/],
  ['Chromium', /\bChromium\/(\d+)/],
  ['Safari', /\bVersion\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari\//],
  ['VLC', /\bVLC\/(\d+\.\d+)/],
  ['FFmpeg', /\bLavf\/(\d+)/],
  ['curl', /\bcurl\/(\d+\.\d+)/],
];

function browserOf(userAgent: string): string | null {
  for (const [name, token] of BROWSERS) {
    const match = token.exec(userAgent);
    if (match) return `${name} ${match[1]}`;
  }
  // Something else: its first product token ("Kodi/20.2 (…)" → "Kodi 20").
  const product = /^([A-Za-z][\w.-]{0,40})\/(\d+)/.exec(userAgent.trim());
  return product ? `${product[1]} ${product[2]}` : null;
}

/** Android before Linux, iOS before macOS (iPads ask for desktop pages as a Mac: then they are one). */
const SYSTEMS: [name: string, token: RegExp][] = [
  ['Windows', /\bWindows\b/],
  ['Android', /\bAndroid\b/],
  ['iOS', /\b(?:iPhone|iPad|iPod)\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['macOS', /\b(?:Macintosh|Mac OS X)\b/],
  ['tvOS', /\bAppleTV\b/],
  ['Linux', /\bLinux\b/],
];

function systemOf(userAgent: string): string | null {
  return SYSTEMS.find(([, token]) => token.test(userAgent))?.[0] ?? null;
}
