#!/usr/bin/env bash
# Installs StreamGate from this checkout: npm packages, build, `streamgate` on PATH, FFmpeg.
#   ./install.sh          what running StreamGate needs
#   ./install.sh --dev    also what the tests and benchmarks need (Chromium, nginx, wrk, PostgreSQL)
# Safe to run again: steps whose result is already there are skipped. Not root: `streamgate` is
# linked into ~/.local/bin, and you are told how to put that on PATH if it is not.
set -euo pipefail
cd "$(dirname "$0")"

dev=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

# Colour only for a person at a terminal, never with NO_COLOR set or TERM=dumb (as the CLI does).
if [ -t 1 ] && [ -z "${NO_COLOR+set}" ] && [ "${TERM:-}" != dumb ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '%s==>%s %s\n' "$bold" "$plain" "$*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# Debian packages: installed when missing and we are root, else a clear instruction.
apt_updated=0
need_packages() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install.sh: please install ${missing[*]} with your package manager" >&2; return 1
  fi
  if ! is_root; then
    echo "install.sh: missing ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' (or run this script as root)" >&2; return 1
  fi
  if [ $apt_updated -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Node.js >= 20
if ! command -v node >/dev/null 2>&1; then
  echo "install.sh: Node.js 20 or newer is required (https://nodejs.org or your package manager)" >&2; exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "install.sh: Node.js $(node --version) is too old; StreamGate needs 20 or newer" >&2; exit 1
fi

# 2. System packages: FFmpeg for ingest and VOD import; a compiler in case better-sqlite3 must build.
command -v ffmpeg >/dev/null 2>&1 || need_packages ffmpeg || echo "install.sh: continuing without FFmpeg (ingest and vod import need it)" >&2
if ! command -v make >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  need_packages build-essential python3
fi
if [ $dev -eq 1 ]; then
  # chromium: browser tests (playwright-core drives Debian's build); nginx, wrk: benchmarks;
  # sqlite3: the database-lock tests hold the write lock from another process; vlc: a live event
  # played in VLC 3 through a personal link; postgresql: the server binaries for the tests'
  # PostgreSQL pass (scripts/run-tests.js starts a throwaway cluster of its own); systemd:
  # systemd-analyze verifies the unit of `streamgate service install` (container images lack it).
  pg_was_installed=0
  dpkg -s postgresql >/dev/null 2>&1 && pg_was_installed=1
  need_packages chromium nginx-light wrk ffmpeg sqlite3 vlc postgresql systemd
  # Debian creates and starts a cluster "main" with the package; the tests do not want one running.
  if [ $pg_was_installed -eq 0 ] && command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    pg_lsclusters --no-header 2>/dev/null | while read -r version name _; do
      if [ "$name" = main ]; then say "pg_dropcluster --stop $version main (no system cluster for the tests)"; pg_dropcluster --stop "$version" main; fi
    done
  fi
fi

# 3. npm packages, exactly as locked; skipped when the lock file has not changed since.
stamp=node_modules/.streamgate-lock.sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > "$stamp"
fi

# 4. Build (TypeScript check + bundle). The install test sets STREAMGATE_INSTALL_SKIP_BUILD=1: it
# runs this script as another user against a tree that is already built.
if [ "${STREAMGATE_INSTALL_SKIP_BUILD:-}" = 1 ]; then
  say "build skipped (STREAMGATE_INSTALL_SKIP_BUILD=1)"
else
  say "build"
  npm run --silent build
fi

# 5. `streamgate` on PATH: /usr/local/bin when we may write it, else ~/.local/bin (the XDG place
# for a user's programs; Debian's ~/.profile puts it on PATH at login once it exists).
target="$(pwd)/bin/streamgate"
points_here() { [ -e "$1" ] && [ "$(readlink -f "$1")" = "$(readlink -f "$target")" ]; }
link_into() {
  points_here "$1/streamgate" && return 0
  ln -sf "$target" "$1/streamgate"
  say "linked $1/streamgate -> $target"
}
linked=''
if points_here /usr/local/bin/streamgate; then
  linked=/usr/local/bin/streamgate
elif [ -w /usr/local/bin ]; then
  link_into /usr/local/bin && linked=/usr/local/bin/streamgate
elif [ -n "${HOME:-}" ] && mkdir -p "$HOME/.local/bin" 2>/dev/null && [ -w "$HOME/.local/bin" ]; then
  link_into "$HOME/.local/bin" && linked="$HOME/.local/bin/streamgate"
else
  echo "install.sh: cannot write /usr/local/bin nor ~/.local/bin; run: sudo ln -sf '$target' /usr/local/bin/streamgate" >&2
fi

# The checkout's data directory, the default STREAMGATE_DATA_DIR: git made it (for its .gitkeep)
# with the umask's mode, and codes, keys and recordings go there. Owner only, as `init` makes it.
if [ -d data ] && [ -O data ]; then chmod 700 data; fi

# 6. Upgrades: the databases this install serves are migrated forward now, not at the service's
# next start, so a problem shows here (an older checkout on a newer database stops with the
# version to install). The running service still runs the old code until it restarts.
version=$(./bin/streamgate --version 2>/dev/null || echo '?')
restart=''
unit="${STREAMGATE_UNIT_DIR:-/etc/systemd/system}/streamgate.service"
if [ -f "$unit" ]; then
  if is_root; then
    # As the service's user, with the unit's Environment= lines (and its drop-ins'), one variable each.
    svc_user=$(sed -n 's/^User=//p' "$unit" | tail -n 1)
    mapfile -t svc_env < <(cat "$unit" "${unit}.d"/*.conf 2>/dev/null | sed -n 's/^Environment=//p' | sed 's/^"\(.*\)"$/\1/')
    svc_data=$(printf '%s\n' "${svc_env[@]}" | sed -n 's/^STREAMGATE_DATA_DIR=//p' | tail -n 1)
    # A service that never started has no database yet: `up` creates it.
    if printf '%s\n' "${svc_env[@]}" | grep -q '^DATABASE_URL=' || [ -f "$svc_data/streamgate.db" ]; then
      say "migrating the service's database (user $svc_user)"
      setpriv --reuid "$svc_user" --regid "$(id -g "$svc_user")" --init-groups -- \
        env -i PATH="$PATH" HOME=/ "${svc_env[@]}" "$(command -v node)" ./bin/streamgate db migrate
      if [ -d /run/systemd/system ]; then restart='systemctl restart streamgate'; else restart='restart the streamgate service'; fi
    fi
  else
    echo "install.sh: $unit exists: run this script as root to migrate the service's database" >&2
  fi
fi
if [ -n "${DATABASE_URL:-}" ] || [ -f "${STREAMGATE_DATA_DIR:-data}/streamgate.db" ]; then
  where=${STREAMGATE_DATA_DIR:-./data}
  [ -n "${DATABASE_URL:-}" ] && where=DATABASE_URL # never the URL: it may carry a password
  say "migrating the database of $where"
  ./bin/streamgate db migrate
  restart="${restart:-stop any running streamgate up/serve and start it again}"
fi
if [ -n "$restart" ]; then say "to run $version, restart: $restart"; fi

# The last line names a command that works as typed, in this shell, right now.
if [ -n "$linked" ] && points_here "$(command -v streamgate 2>/dev/null || echo /nonexistent)"; then
  say "done: streamgate $version installed; next: streamgate up"
elif [ -n "$linked" ]; then
  dir=$(dirname "$linked")
  say "done: streamgate $version installed as $linked, but $dir is not on your PATH"
  echo "    to use it in this shell:  export PATH=\"$dir:\$PATH\""
  echo "    and in every new shell:   echo 'export PATH=\"$dir:\$PATH\"' >> ~/.profile   (then log in again)"
  echo "    next: $linked up"
else
  say "done: streamgate $version built, not on your PATH; next: $target up"
fi
