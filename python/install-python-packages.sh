#!/usr/bin/env bash
# Installs what python/ (FleXOR training, docs/TRAINING.md) needs where it is missing: PyTorch,
# scikit-learn and numpy for /usr/bin/python3, from Debian's packages (python3-torch,
# python3-sklearn, python3-numpy). Does nothing when /usr/bin/python3 imports all three.
set -euo pipefail
# shellcheck source=../tools/apt-install.sh
source "$(dirname "$0")/../tools/apt-install.sh"

PYTHON=/usr/bin/python3
missing=()
for pair in torch:python3-torch sklearn:python3-sklearn numpy:python3-numpy; do
  "$PYTHON" -c "import ${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "$PYTHON needs torch, scikit-learn and numpy" "${missing[@]}"
fi
"$PYTHON" -c "import torch, sklearn, numpy" 
