import { ipKeyGenerator } from 'express-rate-limit';
import { AppError } from '../../core/errors.js';

/** The client a budget is kept for: its address, IPv6 by /64 (one customer's whole network). */
export function clientKey(ip: string | null | undefined): string {
  return ip ? ipKeyGenerator(ip, 64) : 'unknown';
}

export function rateLimited(waitMs: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError(429, 'rate_limited', 'Too many attempts; wait a moment and try again.', { retryAfter });
}
