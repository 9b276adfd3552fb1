"""Exports trained FleXOR layers as the project's layer files and a chained network manifest.

A layer becomes a `.npz` exactly as docs/FORMAT.md defines it; the arrays are assembled and
checked by `layer_to_arrays` of docs/flexor_export.py (the project's one writer of the format
from Python). A model that is an `nn.Sequential` of FleXORConv2d, FleXORLinear, ReLU, MaxPool2d
(kernel = stride), AdaptiveAvgPool2d(1) and Flatten becomes a manifest of docs/NETWORK.md whose
conv/linear layers read those files (`from: <name>.npz`, relative to the manifest).
"""
import os

import numpy as np
from torch import nn

from .layers import FleXORConv2d, FleXORLinear
from .matrix import load_docs_module

_flexor_export = load_docs_module("flexor_export")


def layer_arrays(module):
    """The arrays of the layer file of a FleXORConv2d or FleXORLinear (docs/FORMAT.md)."""
    weight = module.flexor
    signs = (weight.encrypted.detach().cpu().numpy() >= 0).astype(np.uint8)    # [q, S, Nin], 1 = w_e >= 0 = +1
    entry = {
        "shape": weight.shape,
        "spec": {"n_in": weight.n_in, "n_out": weight.n_out, "q": weight.planes},
        "n_slices": weight.n_slices,
        "matrices": weight.matrices.cpu().numpy().astype(np.uint8),           # [q, Nout, Nin]
        "packed": [np.packbits(plane.reshape(-1)) for plane in signs],         # bit s*Nin + i = slice s, x[i]
        "alpha": weight.alpha.detach().cpu().numpy().astype(np.float32),      # [q, Cout]
    }
    bias = None if module.bias is None else module.bias.detach().cpu().numpy().astype(np.float32)
    return _flexor_export.layer_to_arrays(entry, bias, layout="oi")


def write_layer(module, path):
    """Writes the layer file of one FleXOR module (numpy.savez_compressed); returns the path."""
    np.savez_compressed(path, **layer_arrays(module))
    return path


def _flow(mapping):
    """A YAML flow mapping of plain scalars and lists: {a: 1, b: [8, 8, 1]}."""
    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, float):
            return repr(v)
        return str(v)
    return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in mapping.items()) + "}"


def _layer_entry(name, module, engine):
    """The manifest entry of one child of the Sequential, or an error naming it."""
    if isinstance(module, FleXORConv2d):
        if module.stride not in (1, 2):
            raise ValueError(f"{name}: stride {module.stride}; the manifest allows 1 or 2")
        return {"name": name, "kind": "conv", "from": f"{name}.npz", "stride": module.stride,
                "padding": module.padding, **engine.get(name, {})}
    if isinstance(module, FleXORLinear):
        return {"name": name, "kind": "linear", "from": f"{name}.npz", **engine.get(name, {})}
    if isinstance(module, nn.ReLU):
        return {"name": name, "kind": "relu"}
    if isinstance(module, nn.MaxPool2d):
        size, stride = module.kernel_size, module.stride
        if size != stride or module.padding != 0:
            raise ValueError(f"{name}: the manifest's maxpool is k x k with stride k and no padding")
        return {"name": name, "kind": "maxpool", "size": size}
    if isinstance(module, nn.AdaptiveAvgPool2d) and module.output_size in (1, (1, 1)):
        return {"name": name, "kind": "avgpool"}
    if isinstance(module, nn.Flatten):
        return {"name": name, "kind": "flatten"}
    raise ValueError(f"{name}: {type(module).__name__} has no manifest kind")


def write_network(model, outdir, name, input_spec, engine=None, act_bits=8, logit_bits=16, comment=""):
    """Writes <outdir>/<layer>.npz for every FleXOR layer of the nn.Sequential `model` and the chained
    manifest <outdir>/<name>.yaml (docs/NETWORK.md). input_spec: {shape: [H, W, C], bits, signed,
    scale, layout}; engine: per layer name, engine settings such as {lanes, simd}. Returns the
    manifest's path."""
    if not isinstance(model, nn.Sequential):
        raise ValueError("write_network needs an nn.Sequential")
    os.makedirs(outdir, exist_ok=True)
    engine = engine or {}
    entries = []
    for child_name, module in model.named_children():
        entries.append(_layer_entry(child_name, module, engine))
        if isinstance(module, (FleXORConv2d, FleXORLinear)):
            write_layer(module, os.path.join(outdir, f"{child_name}.npz"))
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += [f"name: {name}", f"input: {_flow(input_spec)}", f"actBits: {act_bits}", f"logitBits: {logit_bits}", "layers:"]
    lines += [f"  - {_flow(entry)}" for entry in entries]
    path = os.path.join(outdir, f"{name}.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path
