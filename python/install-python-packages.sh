#!/usr/bin/env bash
# Installs what python/ (FleXOR training, docs/TRAINING.md) needs where it is missing: PyTorch,
# scikit-learn and numpy for /usr/bin/python3, from Debian's packages (python3-torch,
# python3-sklearn, python3-numpy). Does nothing when /usr/bin/python3 imports all three.
set -euo pipefail

PYTHON=/usr/bin/python3
missing=()
for pair in torch:python3-torch sklearn:python3-sklearn numpy:python3-numpy; do
  "$PYTHON" -c "import ${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done

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
    echo "error: ${missing[*]} missing and no apt-get; $PYTHON needs torch, scikit-learn and numpy" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$PYTHON" -c "import torch, sklearn, numpy" 
