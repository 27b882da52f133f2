/** The admin API from the console: the session cookie rides along; mutations carry the CSRF token. */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function request(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (!response.ok) {
    const json = await response.json().catch(() => null);
    throw new ApiError(response.status, json?.error?.code ?? 'error', json?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return response;
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await request(method, path, body);
  return (response.status === 204 ? null : await response.json()) as T;
}

/** The response body as text, e.g. a CSV of new codes. */
export async function apiText(method: string, path: string, body: unknown, accept: string): Promise<string> {
  return (await request(method, path, body, accept)).text();
}

/** Sends a file as the request body (a poster or logo upload); answers the JSON. */
export async function apiUpload<T = any>(method: string, path: string, file: Blob): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { accept: 'application/json', 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': csrfToken },
    body: file,
    credentials: 'same-origin',
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, json?.error?.code ?? 'error', json?.error?.message ?? `${response.status} ${response.statusText}`);
  return json as T;
}
