import { rateLimit } from 'express-rate-limit';
import { AppError } from '../../core/errors.js';

/**
 * Rate limits that count failed requests only (status ≥ 400, except 409 device conflicts): guessing
 * is slowed, while many people behind one address who type correct codes or passwords are not.
 */
export function failureLimiter(options: { windowMs: number; limit: number }, key?: () => string) {
  return rateLimit({
    ...options,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    requestWasSuccessful: (_req, res) => res.statusCode < 400 || res.statusCode === 409,
    skipSuccessfulRequests: true,
    ...(key ? { keyGenerator: key } : {}),
    handler: (_req, res, _next, opts) => {
      const retryAfter = Math.ceil(opts.windowMs / 1000);
      res.setHeader('Retry-After', String(retryAfter));
      res.status(429).json(new AppError(429, 'rate_limited', 'Too many attempts; wait a moment and try again.', { retryAfter }).toJSON());
    },
  });
}

