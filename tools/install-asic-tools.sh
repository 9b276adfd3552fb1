#!/usr/bin/env bash
# Installs what `flexor asic` needs where it is missing: the OSU 0.18 um standard cells
# (Debian package qflow-tech-osu018: osu018_stdcells.lib) and OpenSTA (Debian package opensta,
# the command `sta`). Does nothing when both are present. docs/IMPLEMENTATION.md, "ASIC estimate".
set -euo pipefail

LIB=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
missing=()
[ -f "$LIB" ] || missing+=(qflow-tech-osu018)
command -v sta >/dev/null 2>&1 || missing+=(opensta)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      echo "error: ${missing[*]} missing and not root; install the Debian packages ${missing[*]}" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: ${missing[*]} missing and no apt-get; install OpenSTA (sta) and the OSU 0.18 um library (osu018_stdcells.lib)" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq || echo "warning: apt-get update failed; installing from the package lists at hand" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -f "$LIB" ] || { echo "error: $LIB is missing after installing qflow-tech-osu018" >&2; exit 1; }
command -v sta >/dev/null 2>&1 || { echo "error: no sta on PATH after installing opensta" >&2; exit 1; }
