#!/usr/bin/env bash
# Builds "Presence Agent.pkg" on macOS from the PyInstaller .app (`make package` runs it).
# Usage: packaging/macos/build-pkg.sh [SIGNING_IDENTITY]
# The payload: the app, the LaunchAgent, and the uninstall script
# (/Library/Application Support/Presence Agent/uninstall.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build"
version="$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import agent; print(agent.__version__)' "$root")"
payload="$build/macos-root"
support="$payload/Library/Application Support/Presence Agent"
rm -rf "$payload" && mkdir -p "$payload/Applications" "$payload/Library/LaunchAgents" "$support"
cp -R "$build/dist/Presence Agent.app" "$payload/Applications/"
# Built as LaunchAgent-<label>.plist so it is never mistaken for the managed preferences.
cp "$build/macos/LaunchAgent-com.presenceagent.agent.plist" \
  "$payload/Library/LaunchAgents/com.presenceagent.agent.plist"
chmod 644 "$payload/Library/LaunchAgents/com.presenceagent.agent.plist"
cp "$root/packaging/macos/uninstall.sh" "$support/uninstall.sh"
chmod 755 "$support/uninstall.sh"
cp "$root/packaging/macos/uninstall.sh" "$build/presence-agent-uninstall.sh"
sign=()
[ $# -ge 1 ] && sign=(--sign "$1")
pkgbuild --root "$payload" --identifier com.presenceagent.agent --version "$version" \
  --scripts "$root/packaging/macos/scripts" --install-location / "$build/presence-agent-component.pkg"
productbuild --package "$build/presence-agent-component.pkg" "${sign[@]}" \
  "$build/presence-agent-$version.pkg"
echo "built $build/presence-agent-$version.pkg"
