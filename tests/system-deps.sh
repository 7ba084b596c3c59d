#!/usr/bin/env bash
# Installs the Debian packages the agent (--runtime) or the tests need, only when missing.
set -euo pipefail
# What Qt's xcb platform plugin and the detectors load at run time.
packages=(
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1
  libxcb-cursor0 libxcb-shape0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
  libpulse0 libx11-6 libxext6
)
if [ "${1:-}" != "--runtime" ]; then
  packages+=(
    xvfb xdotool x11-utils dbus gnome-keyring libsecret-tools pulseaudio pulseaudio-utils trayer
    libdbus-1-dev libglib2.0-dev pkg-config iproute2 msitools desktop-file-utils lintian
    dpkg-dev fakeroot binutils wixl patchelf
    # Wayland idle tests: a headless compositor, its virtual keyboard, KDE's protocol XML
    sway wtype plasma-wayland-protocols
    wine wine64  # the Windows lane: the Windows CPython under Wine (tests/wine)
  )
fi
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
