#!/usr/bin/env bash
# Installs what the simulation flows need where it is missing: Icarus Verilog and Verilator 5,
# from Debian's packages (iverilog, verilator). Does nothing when both are present.
set -euo pipefail
# shellcheck source=../tools/apt-install.sh
source "$(dirname "$0")/../tools/apt-install.sh"

missing=()
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
command -v verilator >/dev/null 2>&1 || missing+=(verilator)

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "install Icarus Verilog (11+) and Verilator (5+)" "${missing[@]}"
fi

# ccache is optional: sim/verilator.sh compiles through it where it is installed (Verilator's
# runtime once, not once a build). Without it, or if it cannot be installed, the flow still works.
if ! command -v ccache >/dev/null 2>&1; then
  (apt_install "install ccache to make Verilator builds faster (optional)" ccache) ||
    echo "warning: ccache not installed; Verilator builds compile Verilator's runtime every time" >&2
fi

# Verilator 5 is needed for --binary and --timing.
major=$(verilator --version | sed -n 's/^Verilator \([0-9]*\)\..*/\1/p')
if [ -z "$major" ] || [ "$major" -lt 5 ]; then
  echo "error: Verilator 5 or later is needed; found: $(verilator --version)" >&2
  exit 1
fi
