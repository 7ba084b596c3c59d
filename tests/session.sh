#!/usr/bin/env bash
# Runs a command inside a private D-Bus session bus with an unlocked gnome-keyring, in a
# throw-away HOME, so tests use the real Secret Service and never the developer's own.
set -euo pipefail
if [ -z "${PA_IN_SESSION:-}" ]; then
  export PA_IN_SESSION=1
  PA_TEST_HOME=$(mktemp -d /tmp/pa-test-home.XXXXXX)
  export PA_TEST_HOME
  trap 'rm -rf "$PA_TEST_HOME"' EXIT
  mkdir -p -m 700 "$PA_TEST_HOME/run"
  # dbus-run-session sets DBUS_SESSION_BUS_ADDRESS, so no X client autolaunches a stray bus.
  HOME="$PA_TEST_HOME" XDG_RUNTIME_DIR="$PA_TEST_HOME/run" dbus-run-session -- "$0" "$@"
  exit $?
fi
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
printf 'presence-agent-tests' | gnome-keyring-daemon --foreground --unlock --components=secrets >"$HOME/keyring.log" 2>&1 &
keyring_pid=$!
trap 'kill $keyring_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
    break
  fi
  sleep 0.1
done
"$@"
