/** The name of the unit `streamgate service install` writes. */
export const UNIT_NAME = 'streamgate.service';

export interface UnitOptions {
  /** The Node.js binary that runs StreamGate (an absolute path: systemd does not search PATH for us). */
  node: string;
  /** The installed `bin/streamgate`. */
  binary: string;
  /** The dedicated system user the service runs as. */
  user: string;
  /** The data directory, the only place the service may write. */
  dataDir: string;
}

/**
 * What the service runs: `up` initialises the data directory if needed (a fresh install starts
 * with no `streamgate init`) and runs the platform, the edge and the RTMP ingest in one process.
 */
export const SERVICE_COMMAND = 'up';

/**
 * The environment the unit sets. Everything else (ports, PLATFORM_URL, DATABASE_URL…) goes into
 * a drop-in (`systemctl edit streamgate`), so an upgrade that rewrites this file keeps it.
 */
export function unitEnvironment(options: Pick<UnitOptions, 'dataDir'>): Record<string, string> {
  // journald is no terminal, but say it: one JSON object a line, whatever a later default.
  return { STREAMGATE_DATA_DIR: options.dataDir, STREAMGATE_LOG_FORMAT: 'json' };
}

/**
 * The systemd unit: a dedicated user, restart on failure, and a sandbox in which the only
 * writable place is the data directory (FFmpeg's HLS output included; /tmp is private).
 */
export function renderUnit(options: UnitOptions): string {
  for (const [name, value] of Object.entries(options)) {
    if (!/^[^\s"'\\$%;]+$/.test(value)) throw new Error(`systemd unit: ${name} must not contain spaces, quotes or specifiers: ${JSON.stringify(value)}`);
  }
  const environment = Object.entries(unitEnvironment(options)).map(([key, value]) => `Environment=${key}=${value}`);
  return [
    '# Written by `streamgate service install`; `streamgate service uninstall` removes it.',
    '# Add settings (ports, PLATFORM_URL…) with `systemctl edit streamgate`, not here: an upgrade rewrites this file.',
    '[Unit]',
    'Description=StreamGate: ticket-gated live streaming (platform, edge, RTMP ingest)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${options.user}`,
    ...environment,
    `ExecStart=${options.node} ${options.binary} ${SERVICE_COMMAND}`,
    'Restart=on-failure',
    'RestartSec=2s',
    // `up` stops its services cleanly on SIGTERM (the ingest ends live events, FFmpeg finishes).
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30s',
    'UMask=0077',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${options.dataDir}`,
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=streamgate',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The fields a test or `install.sh` needs back from a unit: its user, environment and command. */
export function parseUnit(text: string): { user: string | null; environment: Record<string, string>; execStart: string[] } {
  const environment: Record<string, string> = {};
  let user: string | null = null;
  let execStart: string[] = [];
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.split('=');
    const value = rest.join('=');
    if (key === 'User') user = value;
    if (key === 'ExecStart') execStart = value.split(' ');
    if (key === 'Environment') {
      const at = value.indexOf('=');
      environment[value.slice(0, at)] = value.slice(at + 1);
    }
  }
  return { user, environment, execStart };
}
