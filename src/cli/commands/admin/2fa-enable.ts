import { cliActor } from '../../../core/audit-log.js';
import { enableTotp, newTotpEnrolment } from '../../../core/admin/admin-users.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';
import { readAnswer } from '../../secret-input.js';

/**
 * Shows a new TOTP secret (otpauth:// URI and a QR code for the phone), then asks for the code the
 * app shows: 2FA is on only once that code matches, so a mis-scan cannot lock anyone out.
 */
export async function run(ctx: CommandContext, options: { user?: string }): Promise<void> {
  const username = options.user ?? 'admin';
  const { secret, uri } = newTotpEnrolment(username);
  if (ctx.out.json) {
    printJson({ username, otpauthUri: uri });
  } else {
    const { default: QRCode } = await import('qrcode');
    process.stdout.write(`${await QRCode.toString(uri, { type: 'terminal', small: true })}\n${uri}\n\n`);
  }
  const code = await readAnswer('Scan it with your authenticator app, then type the 6-digit code it shows:', { hidden: false });
  await enableTotp({ db: await ctx.db(), clock: ctx.clock, keyring: await ctx.keyring(), actor: cliActor() }, username, secret, code.trim());
  process.stderr.write(`Two-factor login is on for ${username}.\n`);
}
