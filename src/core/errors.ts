/**
 * The one error model. HTTP handlers answer `status` with `toJSON()`; the CLI maps
 * client-side statuses (4xx: bad input, unknown thing) to exit code 2 and everything
 * else to exit code 1.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields for the client, e.g. `retryAfter`, `startsAt` (SPEC §3). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toJSON(): { error: { code: string; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** Bad flag, bad date, unknown event: the caller must change the request. */
export function invalidInput(message: string, code = 'invalid_request'): AppError {
  return new AppError(400, code, message);
}

export function notFound(message: string, code = 'not_found'): AppError {
  return new AppError(404, code, message);
}

/** Something on this machine is wrong (disk, database, missing tool); retrying may help. */
export function operationalFailure(message: string, code = 'operational_failure'): AppError {
  return new AppError(500, code, message);
}

/** How long a client is told to wait when the database lock could not be had. */
const BUSY_RETRY_AFTER_SECONDS = 2;

/**
 * Another process held the database write lock for longer than a request may wait. The request
 * changed nothing; the same request a moment later will do.
 */
export function databaseBusy(): AppError {
  return new AppError(503, 'busy', 'The database is busy; try again in a moment.', { retryAfter: BUSY_RETRY_AFTER_SECONDS });
}

export function isDatabaseBusy(error: unknown): boolean {
  return error instanceof AppError && error.code === 'busy';
}

/**
 * The database server cannot be reached or dropped the connection (PostgreSQL restarting, a network
 * cut). Nothing of the request is known to be committed unless it says so; the pool reconnects by
 * itself, so the same request a moment later will do.
 */
export function databaseUnavailable(): AppError {
  return new AppError(503, 'database_unavailable', 'The database is unavailable; try again in a moment.', { retryAfter: BUSY_RETRY_AFTER_SECONDS });
}
