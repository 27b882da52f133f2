import express, { type Router } from 'express';
import { z } from 'zod';
import { acceptInvite, openInvite } from '../../../core/admin/admin-invites.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';

/** The token travels in the body, never in a path or query string that a log would keep. */
const token = z.string().min(1).max(128);
const OpenBody = z.object({ token });
const AcceptBody = z.object({ token, password: z.string().min(1).max(1024), totpSecret: z.string().min(1).max(128), totpCode: z.string().min(1).max(16) });

/**
 * An invited user's first steps, before any login: open the invite (who, which role, and a TOTP
 * secret to enrol), then set a password and prove the authenticator app with a current code.
 * Guessing a 256-bit token is hopeless, so these need no failure budget of their own.
 */
export function inviteAcceptanceRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.post('/api/admin/invites/open', async (req, res) => {
    const invite = await openInvite(deps, parseBody(OpenBody, req.body).token);
    const { default: QRCode } = await import('qrcode');
    res.json({ ...invite, totp: { ...invite.totp, qrSvg: await QRCode.toString(invite.totp.uri, { type: 'svg', margin: 1 }) } });
  });

  router.post('/api/admin/invites/accept', async (req, res) => {
    const body = parseBody(AcceptBody, req.body);
    const user = await acceptInvite({ db: deps.db, clock: deps.clock, keyring: deps.keyring, ip: req.ip ?? null }, body);
    res.status(201).json(user);
  });
  return router;
}
