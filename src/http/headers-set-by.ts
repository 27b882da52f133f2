import type { RequestHandler } from 'express';

/**
 * The headers a middleware sets on every answer alike (helmet's: the same CSP and policies for
 * every request), recorded once by running it against a stand-in response, for handlers that
 * answer before Express and must still send them. Only for middlewares that set headers whatever
 * the request: helmet reads nothing of it with the options the platform gives (no CSP directive
 * is a function). A header middleware added to the app later must be added there too.
 */
export function headersSetBy(middleware: RequestHandler): [string, string][] {
  const headers = new Map<string, [string, string]>();
  const response = {
    setHeader: (name: string, value: string | number) => void headers.set(name.toLowerCase(), [name, String(value)]),
    removeHeader: (name: string) => void headers.delete(name.toLowerCase()),
  };
  let done = false;
  middleware({ headers: {} } as Parameters<RequestHandler>[0], response as unknown as Parameters<RequestHandler>[1], (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  if (!done) throw new Error('headersSetBy: the middleware did not go on synchronously');
  return [...headers.values()];
}
