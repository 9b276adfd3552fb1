"""Shared by the tests: the path to python/ and a numpy reference of the XOR decode."""
import os
import sys

PYTHON_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

try:
    import numpy as np
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:                 # the tests skip, naming torch (numpy comes with it)
    HAVE_TORCH = False

NO_TORCH = "torch is not installed"


def gf2_decode(matrix, x):
    """y = M x over GF(2), by numpy: matrix [Nout, Nin] 0/1, x [..., Nin] 0/1 -> [..., Nout] 0/1."""
    return (np.asarray(x, dtype=np.int64) @ np.asarray(matrix, dtype=np.int64).T) % 2
