/**
 * JSON lines on stderr. Callers pass fields, never whole requests: codes, tokens and keys must
 * not reach a log, so nothing is logged that was not chosen field by field.
 */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLog(service: string, write: (line: string) => void = (line) => process.stderr.write(line)): Log {
  const emit = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(`${JSON.stringify({ time: new Date().toISOString(), level, service, message, ...fields })}\n`);
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
