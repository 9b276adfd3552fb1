#!/usr/bin/env bash
# Installs what `flexor asic` needs where it is missing: the OSU 0.18 um standard cells
# (Debian package qflow-tech-osu018: osu018_stdcells.lib) and OpenSTA (Debian package opensta,
# the command `sta`). Does nothing when both are present. docs/IMPLEMENTATION.md, "ASIC estimate".
set -euo pipefail
# shellcheck source=../tools/apt-install.sh
source "$(dirname "$0")/../tools/apt-install.sh"

LIB=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
missing=()
[ -f "$LIB" ] || missing+=(qflow-tech-osu018)
command -v sta >/dev/null 2>&1 || missing+=(opensta)

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "install OpenSTA (sta) and the OSU 0.18 um library (osu018_stdcells.lib)" "${missing[@]}"
fi

[ -f "$LIB" ] || { echo "error: $LIB is missing after installing qflow-tech-osu018" >&2; exit 1; }
command -v sta >/dev/null 2>&1 || { echo "error: no sta on PATH after installing opensta" >&2; exit 1; }
