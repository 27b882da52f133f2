// Not under db/: the edge's error handler uses it, and the edge never loads the database.
import { AppError, databaseUnavailable } from './errors.js';

/** Socket errors that mean the database server is unreachable or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * PostgreSQL SQLSTATEs of the same kind: 57P01 admin_shutdown (the server stopped or
 * pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or shutting
 * down); class 08 is connection exceptions.
 */
const SERVER_GONE_STATES = new Set(['57P01', '57P02', '57P03']);
/** node-postgres reports a lost or never-made connection in words, without a code. */
const LOST_CONNECTION = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable/i;

/** Whether `error` says the database server cannot be reached (rather than that a query was wrong). */
export function isConnectionLoss(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  if (error instanceof AggregateError) return error.errors.some(isConnectionLoss);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GONE_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return error instanceof Error && LOST_CONNECTION.test(error.message);
}

/**
 * The one place that turns a lost database connection into the error clients see: 503
 * `database_unavailable` with Retry-After instead of a 500. Anything else is returned as it was.
 */
export function toDatabaseError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  return isConnectionLoss(error) ? databaseUnavailable() : error;
}
