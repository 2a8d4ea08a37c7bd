#!/usr/bin/env bash
# make test-compat: the reviewer suite (tests/reviewer) in a real Anki desktop of every supported line.
#
# 1. Build the deck and the add-on once, with the pinned current Anki in .venv (what gets published).
# 2. For each requirements-compat/<version>.txt (the oldest line and one in between): a virtual
#    environment .venv-compat/<version>/ with the Python named in the file ("# python: 3.9") and
#    exactly its pins; made once and remade only when the file changes (the stamp holds its hash).
# 3. Run tests/reviewer there against the build from step 1: the .ankiaddon installed with that
#    Anki's AddonManager, the .apkg imported into that Anki's collection, the cards reviewed.
# 4. The same for the newest line, 26.9.3, in .venv itself (requirements-test.txt pins it).
# Usage: scripts/test-compat.sh [VERSION...]   (default: every requirements-compat/*.txt, then .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
COMPAT=.venv-compat
[ -x "$PY" ] || { echo "test-compat: $PY missing (make test-compat sets it up)" >&2; exit 2; }

find_python() {  # find_python 3.9 -> an interpreter of that version, or nothing
  local want=$1 candidate
  local roots=()
  command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)/versions")
  roots+=("$HOME/.pyenv/versions" /root/.pyenv/versions)
  for candidate in "python$want" $(for r in "${roots[@]}"; do ls -d "$r/$want".*/bin/python 2>/dev/null | sort -V -r; done); do
    if "$candidate" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_venv() {  # ensure_venv VERSION -> .venv-compat/VERSION with requirements-compat/VERSION.txt installed
  local version=$1 req="requirements-compat/$1.txt" venv="$COMPAT/$1"
  local want hash python
  [ -f "$req" ] || { echo "test-compat: no $req" >&2; exit 2; }
  want=$(sed -n 's/^# python: *//p' "$req")
  hash=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$hash" ]; then
    return 0
  fi
  python=$(find_python "$want") || {
    echo "test-compat: Anki $version needs Python $want (as its packaged build has); none found on PATH or under pyenv" >&2
    exit 2
  }
  echo "test-compat: setting up $venv (Python $want: $python)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$req"
  echo "$hash" > "$venv/.installed"
}

if [ $# -gt 0 ]; then
  versions=("$@")
else
  versions=()
  for f in requirements-compat/*.txt; do versions+=("$(basename "$f" .txt)"); done
  versions+=(current)
fi

dist=$(mktemp -d "${TMPDIR:-/tmp}/compute-cards-compat.XXXXXX")
trap 'rm -rf "$dist"' EXIT
"$PY" build.py --out-dir "$dist" -q

status=0
for version in "${versions[@]}"; do
  if [ "$version" = current ]; then
    python=$PY
  else
    ensure_venv "$version"
    python="$COMPAT/$version/bin/python"
  fi
  label=$("$python" -c "from anki.buildinfo import version; import sys; print(f'Anki {version}, Python {sys.version.split()[0]}')")
  echo "test-compat: tests/reviewer on $label"
  start=$SECONDS
  if COMPUTE_CARDS_DIST="$dist" "$python" -m pytest tests/reviewer -q -p no:cacheprovider; then
    echo "test-compat: $label passed in $((SECONDS - start)) s"
  else
    echo "test-compat: $label FAILED" >&2
    status=1
  fi
done
exit $status
