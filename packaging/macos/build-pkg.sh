#!/usr/bin/env bash
# Builds "Presence Agent.pkg" on macOS from the PyInstaller .app (run `make package` first).
# Usage: packaging/macos/build-pkg.sh [SIGNING_IDENTITY]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build"
version="$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import agent; print(agent.__version__)' "$root")"
payload="$build/macos-root"
rm -rf "$payload" && mkdir -p "$payload/Applications" "$payload/Library/LaunchAgents"
cp -R "$build/dist/Presence Agent.app" "$payload/Applications/"
cp "$build/policy-templates/com.presenceagent.agent.plist" "$payload/Library/LaunchAgents/"
chmod 644 "$payload/Library/LaunchAgents/com.presenceagent.agent.plist"
sign=()
[ $# -ge 1 ] && sign=(--sign "$1")
pkgbuild --root "$payload" --identifier com.presenceagent.agent --version "$version" \
  --scripts "$root/packaging/macos/scripts" --install-location / "$build/presence-agent-component.pkg"
productbuild --package "$build/presence-agent-component.pkg" "${sign[@]}" \
  "$build/presence-agent-$version.pkg"
echo "built $build/presence-agent-$version.pkg"
