#!/bin/bash
# Removes Presence Agent from this Mac. Run as root: sudo ./uninstall.sh [--purge]
# Stops the agent in every logged-in user's session (launchctl bootout), removes the app,
# the LaunchAgent, every user's own LaunchAgent entry and the package receipt.
# --purge also removes each user's settings, data and logs. Keychain items (service
# "presence-agent") stay in each user's login keychain: remove them as that user with
#   security delete-generic-password -s presence-agent
# Managed preferences come from your MDM: remove the profiles there.
# PA_ROOT (default /) lets the tests run this against a scratch tree.
set -euo pipefail
label=com.presenceagent.agent
root="${PA_ROOT:-/}"
root="${root%/}"
purge=0
[ "${1:-}" = "--purge" ] && purge=1
if [ "$(id -u)" -ne 0 ] && [ -z "${PA_ROOT:-}" ]; then
  echo "uninstall.sh: run it as root (sudo)" >&2
  exit 1
fi
# Every user with a GUI session has a loginwindow process: boot the agent out of each.
for uid in $(ps -axo uid=,comm= | awk '$2 ~ /loginwindow$/ {print $1}' | sort -u); do
  launchctl bootout "gui/$uid/$label" 2>/dev/null || true
done
rm -f "$root/Library/LaunchAgents/$label.plist"
rm -rf "$root/Applications/Presence Agent.app"
for home in "$root"/Users/*; do
  [ -d "$home" ] || continue
  rm -f "$home/Library/LaunchAgents/$label.plist" "$home/Library/LaunchAgents/$label.disabled"
  if [ "$purge" -eq 1 ]; then
    rm -rf "$home/Library/Application Support/presence-agent" "$home/Library/Logs/presence-agent"
  fi
done
pkgutil --forget "$label" >/dev/null 2>&1 || true
rm -rf "$root/Library/Application Support/Presence Agent"
echo "Presence Agent removed."
