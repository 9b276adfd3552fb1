#!/usr/bin/env python3
"""Converts a FleXOR PyTorch export into flexor-rtl layer files (docs/FORMAT.md).

    python3 docs/flexor_export.py exported.pt OUTDIR

exported.pt is what `torch.save(export_model(model), "exported.pt")` writes (sgsuh/flexor-unofficial,
flexor/export.py). Each FleXOR layer becomes OUTDIR/<module>.npz (numpy.savez_compressed), <module>
being its layer's name without the trailing ".flexor" (layer1.0.conv1.flexor -> layer1.0.conv1.npz),
with the module's bias from fp_state["<module>.bias"] when it has one.

layer_to_arrays and convert need numpy only: tensors are read with np.asarray, so plain numpy
arrays work too. Only the command line needs torch (for torch.load).
"""
import argparse
import os
import sys

import numpy as np

FLEXOR_SUFFIX = ".flexor"


def layer_to_arrays(entry, bias=None, layout="oi"):
    """One export_layer() entry (and the layer's bias, or None) as the arrays of a layer file.

    entry: {"shape", "spec": {"n_in", "n_out", "q", ...}, "n_slices", "matrices" [q, n_out, n_in],
    "packed": q uint8 arrays (np.packbits of the sign bits, 1 = +1), "alpha" [q, Cout]}.
    layout: how the decoded stream is ordered, "oi" (PyTorch's, what export_layer produces) or "io".
    """
    spec = entry["spec"]
    shape = np.asarray(tuple(entry["shape"]), dtype=np.int64)
    matrices = np.asarray(entry["matrices"])
    if matrices.dtype != np.bool_:
        if not np.isin(matrices, (0, 1)).all():
            raise ValueError("matrices: entries must be 0 or 1")
        matrices = matrices.astype(np.uint8)
    packed = np.stack([np.asarray(p, dtype=np.uint8).reshape(-1) for p in entry["packed"]])
    alpha = _floats(entry["alpha"])
    arrays = {
        "shape": shape,
        "layout": np.array(layout),  # a '<U2' string scalar
        "n_in": np.int64(spec["n_in"]),
        "n_out": np.int64(spec["n_out"]),
        "q": np.int64(spec["q"]),
        "n_slices": np.int64(entry["n_slices"]),
        "matrices": matrices,
        "packed": packed,
        "alpha": alpha,
    }
    if bias is not None:
        arrays["bias"] = _floats(bias).reshape(-1)
    _check(arrays)
    return arrays


def _floats(x):
    """float32 and float64 stay as they are (so nothing is rounded); anything else becomes float64."""
    a = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


def _check(arrays):
    """The consistency checks flexor-rtl makes too, so a bad export fails here already."""
    shape, matrices, packed, alpha = arrays["shape"], arrays["matrices"], arrays["packed"], arrays["alpha"]
    q, n_out, n_in = matrices.shape
    n_slices = -(-int(np.prod(shape)) // n_out)
    expected = {
        "n_in": n_in,
        "n_out": n_out,
        "q": q,
        "n_slices": n_slices,
    }
    for key, value in expected.items():
        if int(arrays[key]) != value:
            raise ValueError(f"{key} is {int(arrays[key])}, but the matrices and shape give {value}")
    if packed.shape != (q, -(-n_slices * n_in // 8)):
        raise ValueError(f"packed has shape {packed.shape}; expected {(q, -(-n_slices * n_in // 8))}")
    if alpha.shape != (q, shape[0]):
        raise ValueError(f"alpha has shape {alpha.shape}; expected {(q, int(shape[0]))}")
    if "bias" in arrays and arrays["bias"].shape != (shape[0],):
        raise ValueError(f"bias has shape {arrays['bias'].shape}; expected {(int(shape[0]),)}")


def module_name(layer_name):
    """layer1.0.conv1.flexor -> layer1.0.conv1 (the FleXORConv2d / FleXORLinear holding the weight)."""
    return layer_name[: -len(FLEXOR_SUFFIX)] if layer_name.endswith(FLEXOR_SUFFIX) else layer_name


def convert(exported, outdir):
    """Writes every layer of an export_model() dict to outdir/<module>.npz; returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    fp_state = exported.get("fp_state", {})
    paths = []
    for name, entry in exported["layers"].items():
        module = module_name(name)
        arrays = layer_to_arrays(entry, fp_state.get(f"{module}.bias"))
        path = os.path.join(outdir, f"{module}.npz")
        np.savez_compressed(path, **arrays)
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exported", help="a .pt file written by torch.save(export_model(model), ...)")
    parser.add_argument("outdir", help="folder for the <module>.npz layer files")
    args = parser.parse_args(argv)
    try:
        import torch  # only needed here
    except ImportError:
        return "flexor_export.py: reading a .pt file needs PyTorch (pip install torch)"
    exported = torch.load(args.exported, map_location="cpu")
    for path in convert(exported, args.outdir):
        print(path)


if __name__ == "__main__":
    sys.exit(main())
