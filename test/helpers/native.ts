import { randomUUID } from 'node:crypto';
import type { Appliance } from './appliance.js';

/**
 * A viewer who enters a code in the portal, then clicks "Watch in VLC / on a TV": the personal URL
 * the portal shows (absolute, as the viewer copies it).
 */
export async function personalLink(app: Appliance, code: string): Promise<string> {
  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${app.platformUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as any;
  };
  const grant = await post('/api/tokens/validate', { code, deviceId: `portal-${randomUUID()}` });
  const link = await post('/api/sessions/link', { sessionId: grant.sessionId }, grant.token);
  return new URL(link.url, app.platformUrl).toString();
}

export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
}

/** The requests the platform logged (the edge mounted at /streams logs its paths without the query). */
export function loggedRequests(app: Appliance): LoggedRequest[] {
  return app
    .logs()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"message":"request"'))
    .map((line) => JSON.parse(line) as { time: string; method: string; path: string; status: number })
    .map((r) => ({ at: Date.parse(r.time), method: r.method, path: r.path, status: r.status }));
}

/** The number in a segment path such as `/conf/seg_00042.ts`, or null. */
export function segmentNumber(path: string): number | null {
  const match = /seg_(\d+)\.ts$/.exec(path);
  return match ? Number(match[1]) : null;
}
