#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when some are missing.
set -euo pipefail
packages=(
  xvfb xdotool x11-utils dbus gnome-keyring libsecret-tools pulseaudio pulseaudio-utils trayer
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1
  libxcb-cursor0 libxcb-shape0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
  libdbus-1-dev libglib2.0-dev pkg-config iproute2 msitools desktop-file-utils lintian dpkg-dev
  fakeroot binutils wixl patchelf
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
