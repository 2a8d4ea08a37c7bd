#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the tests need: Xvfb (a virtual display) and the system
# libraries of Qt WebEngine for the real Anki desktop; Chromium and its WebDriver for the card
# templates as phones load them (tests/support/browser.py); Node.js for the JavaScript engine's tests
# (only when no `node` is on PATH) and npm for the preview's MathJax. Does nothing when all are present.
set -euo pipefail
packages=(xvfb xauth libnss3 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-shape0 libxcomposite1 libxdamage1
  libxrandr2 libxtst6 libegl1 libgl1 libxkbfile1 libdbus-1-3 libfontconfig1
  chromium chromium-driver fonts-dejavu-core)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)  # the preview's MathJax (package.json, `npm ci`)
# libasound2 was renamed libasound2t64 on newer Debian/Ubuntu releases.
if apt-cache show libasound2t64 >/dev/null 2>&1; then packages+=(libasound2t64); else packages+=(libasound2); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages for the Anki desktop tests: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
