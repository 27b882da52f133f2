/** What a viewer reads for each refusal (SPEC §3 error codes): plain words and what to do next. */
export const MESSAGES: Record<string, string> = {
  invalid_code: 'That code was not recognised. Check it against your ticket and try again.',
  code_revoked: 'This code has been withdrawn. Contact the organiser if you think this is a mistake.',
  code_expired: 'This code has expired.',
  device_conflict: 'This code is already playing on another device.',
  event_not_available: 'This event is not available.',
  rate_limited: 'Too many attempts. Please wait a moment before trying again.',
  session_ended: 'Your viewing session ended. Enter your code again to continue.',
  unauthorized: 'Your access has ended. Enter your code again to continue.',
  ended_no_recording: 'This event has ended and no recording is available.',
  not_started_stream: 'The stream has not started yet. This page will keep trying.',
  unsupported: 'This browser cannot play the stream. Please use a current Chrome, Edge, Firefox or Safari.',
  network: 'The connection was lost. Trying again…',
  muted: 'Playing without sound: use the speaker button to turn it on.',
  press_play: 'Press play to start.',
  links_disabled: 'Links for other players are not enabled for this event.',
  link_ready: 'Playback here has stopped: your personal link below plays in VLC or on your TV.',
  // Seats per code (issue 14, device-seats.ts).
  taken_over: 'You started watching on another device.',
  try_again: 'Try again',
};

export function countdownText(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}
