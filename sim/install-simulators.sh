#!/usr/bin/env bash
# Installs what the simulation flows need where it is missing: Icarus Verilog and Verilator 5,
# from Debian's packages (iverilog, verilator). Does nothing when both are present.
set -euo pipefail

missing=()
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
command -v verilator >/dev/null 2>&1 || missing+=(verilator)

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
    echo "error: ${missing[*]} missing and no apt-get; install Icarus Verilog (11+) and Verilator (5+)" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Verilator 5 is needed for --binary and --timing.
major=$(verilator --version | sed -n 's/^Verilator \([0-9]*\)\..*/\1/p')
if [ -z "$major" ] || [ "$major" -lt 5 ]; then
  echo "error: Verilator 5 or later is needed; found: $(verilator --version)" >&2
  exit 1
fi
