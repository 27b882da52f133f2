/**
 * What the logged-in user may do, as the server said at login (`permissions` of its role), so that
 * the console shows no button that would only be refused. The server checks every request anyway.
 */
export interface Access {
  username: string;
  role: string;
  /** The events the user is limited to; null: every event. */
  events: string[] | null;
  permissions: string[];
}

let current: Access = { username: '', role: '', events: null, permissions: [] };

export function setAccess(access: Access): void {
  current = { ...access, permissions: access.permissions ?? [] };
}

export function can(permission: string): boolean {
  return current.permissions.includes(permission);
}

/** True for a user limited to some events: what spans every event (new events, webhooks) is not theirs. */
export function limitedToEvents(): boolean {
  return current.events !== null;
}

export function access(): Access {
  return current;
}
