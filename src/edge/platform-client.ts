import type { Clock } from '../core/clock.js';
import { EDGE_AUDIENCE, signToken } from '../core/playback-token.js';
import type { SigningKey } from '../core/secret-store.js';

/** How an edge reaches the platform: its URL (known late when mounted in it) and proof that it holds the signing key. */
export interface PlatformClient {
  platformUrl: () => string | null;
  signingKey: () => SigningKey;
  clock: Clock;
}

export class PlatformUnreachable extends Error {
  override readonly name = 'PlatformUnreachable';
}

/**
 * POSTs JSON to the platform with a short-lived edge token (as the revocation feed does). Throws
 * PlatformUnreachable when there is no answer; any answer, refusals included, is returned.
 */
export async function postToPlatform(client: PlatformClient, path: string, body: unknown, timeoutMs = 3_000): Promise<{ status: number; json: any }> {
  const base = client.platformUrl();
  if (!base) throw new PlatformUnreachable('no platform URL yet');
  const authorization = `Bearer ${signToken(client.signingKey(), EDGE_AUDIENCE, {}, client.clock(), 60).token}`;
  let response: Response;
  try {
    response = await fetch(`${base.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new PlatformUnreachable((error as Error).message);
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: only the status matters then
  }
  return { status: response.status, json };
}
