import { sql, type ExpressionBuilder } from 'kysely';
import type { AccessCodeRow, Database } from '../db/schema.js';

export type CodeStatus = 'active' | 'used' | 'revoked' | 'expired';
export const CODE_STATUSES: readonly CodeStatus[] = ['active', 'used', 'revoked', 'expired'];

/** Revoked beats expired beats used: what stops a code matters more than its history. */
export function codeStatus(row: Pick<AccessCodeRow, 'revoked_at' | 'expires_at' | 'first_used_at'>, nowMs: number): CodeStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at <= nowMs) return 'expired';
  return row.first_used_at !== null ? 'used' : 'active';
}

/** The same rule as a SQL condition on the `codes` view, for filtering in the database. */
export function whereCodeStatus(status: CodeStatus, nowMs: number) {
  return (eb: ExpressionBuilder<Database, 'codes'>) => {
    switch (status) {
      case 'revoked':
        return eb('revoked_at', 'is not', null);
      case 'expired':
        return eb.and([eb('revoked_at', 'is', null), eb('expires_at', '<=', nowMs)]);
      case 'used':
        return eb.and([eb('revoked_at', 'is', null), eb('expires_at', '>', nowMs), eb('first_used_at', 'is not', null)]);
      case 'active':
        return eb.and([eb('revoked_at', 'is', null), eb('expires_at', '>', nowMs), eb('first_used_at', 'is', null)]);
      default:
        return sql<boolean>`1 = 0`;
    }
  };
}
