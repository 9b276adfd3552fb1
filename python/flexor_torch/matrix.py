"""The XOR matrices of a layer, drawn by the project's one implementation of docs/MATRIX.md.

docs/flexor_matrix.py is loaded by its path (it is a standalone script, not a package), so the
matrices used in training are bit for bit those that `flexor matrix` and the generator draw for
the same (seed, Nin, Nout, nTap, plane).
"""
import importlib.util
import os
import sys

import numpy as np

DOCS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs"))


def load_docs_module(name):
    """docs/<name>.py as a module (no __pycache__ is written into docs/)."""
    spec = importlib.util.spec_from_file_location(f"flexor_docs_{name}", os.path.join(DOCS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = saved
    return module


_flexor_matrix = load_docs_module("flexor_matrix")


def xor_matrices(n_in, n_out, n_tap=None, seed=1, planes=1, dense=False, draw="first"):
    """The q = planes matrices M_p as uint8 [q, Nout, Nin] (entries 0/1) as docs/MATRIX.md defines
    them: draw="first", plane p's first draw (start state p * 2^32 + seed); draw="full", its first
    candidate of the largest rank the rows allow with every column used (`--draw full`)."""
    return np.array(
        [_flexor_matrix.draw_matrix(n_in, n_out, n_tap=n_tap, dense=dense, seed=seed, plane=p, draw=draw) for p in range(planes)],
        dtype=np.uint8,
    )
