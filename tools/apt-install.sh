#!/usr/bin/env bash
# Sourced by the project's install scripts (sim/install-simulators.sh,
# python/install-python-packages.sh, tools/install-asic-tools.sh): one way to install missing
# Debian packages. apt_install HINT PACKAGE... installs the packages with apt-get, as root or
# through sudo; without either (or without apt-get) it stops with exit status 1 and prints HINT,
# what the user has to install by hand. A failed `apt-get update` is a warning: the install
# goes on from the package lists at hand.
apt_install() {
  local hint=$1
  shift
  echo "installing $* (Debian packages)"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      echo "error: $* missing and not root; install the Debian packages $*" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $* missing and no apt-get; $hint" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq || echo "warning: apt-get update failed; installing from the package lists at hand" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
