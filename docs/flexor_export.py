#!/usr/bin/env python3
"""Converts a FleXOR PyTorch export into flexor-rtl layer files (docs/FORMAT.md).

    python3 docs/flexor_export.py exported.pt OUTDIR

exported.pt is what `torch.save(export_model(model), "exported.pt")` writes (sgsuh/flexor-unofficial,
flexor/export.py). Each FleXOR layer becomes OUTDIR/<module>.npz (numpy.savez_compressed), <module>
being its layer's name without the trailing ".flexor" (layer1.0.conv1.flexor -> layer1.0.conv1.npz),
with the module's bias from fp_state["<module>.bias"] when it has one.

    python3 docs/flexor_export.py exported.pt OUTDIR --resnet NAME [--image-size 32] ...

with --resnet, the whole export is read as a CIFAR ResNet (option A or B shortcuts) and becomes, beside
the layer files, the network manifest OUTDIR/NAME.json (docs/NETWORK.md): every conv and linear layer
from its file, every batch norm from fp_state, the shortcuts, the global average pool. Module names
as the CIFAR ResNets name them (docs/FORMAT.md, "A whole ResNet"): conv1, bn1; layer<s>.<b>.conv1,
.bn1, .conv2, .bn2, .shortcut.0 and .shortcut.1 (option B; .downsample.0/1 too); linear (or fc).
A full-precision conv or linear layer (its weight in fp_state, not in layers) becomes a layer file of
`fp_planes` bit-planes with identity XOR matrices (fp_layer_to_arrays): a uniform quantization of
its weight, not the weight itself.

layer_to_arrays, convert and convert_resnet need numpy only: tensors are read with np.asarray, so
plain numpy arrays work too. Only the command line needs torch (for torch.load).
"""
import argparse
import json
import os
import re
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


# A whole CIFAR ResNet ------------------------------------------------------------------------------

FP_N = 16                  # Nin = Nout of a full-precision layer's identity matrices
BLOCK = re.compile(r"^layer(\d+)\.(\d+)$")
SHORTCUT_NAMES = (("shortcut.0", "shortcut.1"), ("downsample.0", "downsample.1"))


def fp_layer_to_arrays(weight, bias=None, planes=8):
    """A full-precision conv or linear weight as the arrays of a layer file: `planes` bit-planes with
    identity XOR matrices (Nin = Nout = FP_N, every decoded bit its own encrypted bit) and
    alpha[p, c] = a_c * 2^-p, a_c = max|w[c]| * 2^(planes-1) / (2^planes - 1). The weight is rounded
    to the nearest of the 2^planes odd multiples of a_c * 2^-(planes-1) in [-max|w[c]|, max|w[c]|]:
    |W - w| <= max|w[c]| / (2^planes - 1) in every entry. Not the weight itself: a quantization."""
    w = np.asarray(_floats(weight), dtype=np.float64)
    if not 1 <= planes <= 16:
        raise ValueError(f"planes is {planes}; allowed 1 .. 16")
    n, top = w.shape[0], 2 ** planes - 1
    rows = w.reshape(n, -1)
    peak = np.abs(rows).max(axis=1)
    a = peak * 2 ** (planes - 1) / top
    step = np.where(peak > 0, peak / top, 1.0)                           # a_c * 2^-(planes-1)
    odd = np.clip(2 * np.floor(rows / step[:, None] / 2) + 1, -top, top)  # nearest odd multiple
    m = ((odd + top) // 2).astype(np.int64)                              # 0 .. 2^planes - 1
    bits = [((m >> (planes - 1 - p)) & 1).astype(np.uint8).reshape(-1) for p in range(planes)]
    slices = -(-bits[0].size // FP_N)
    padded = [np.concatenate([b, np.zeros(slices * FP_N - b.size, dtype=np.uint8)]) for b in bits]
    entry = {
        "shape": w.shape,
        "spec": {"n_in": FP_N, "n_out": FP_N, "q": planes},
        "n_slices": slices,
        "matrices": np.stack([np.eye(FP_N, dtype=np.uint8)] * planes),
        "packed": [np.packbits(b) for b in padded],
        "alpha": np.stack([a * 2.0 ** -p for p in range(planes)]),
    }
    return layer_to_arrays(entry, bias)


def _fp_modules(fp_state):
    """{module: {parameter: tensor}} of fp_state (the last dotted part is the parameter)."""
    modules = {}
    for key, value in fp_state.items():
        module, _, param = key.rpartition(".")
        modules.setdefault(module, {})[param] = value
    return modules


class _Resnet:
    """The walk over an export_model() dict: layer files, manifest entries, used modules."""

    def __init__(self, exported, fp_planes, eps):
        self.layers = {module_name(k): v for k, v in exported["layers"].items()}
        self.fp = _fp_modules(exported.get("fp_state", {}))
        self.fp_planes, self.eps = fp_planes, eps
        self.files, self.entries, self.used = {}, [], set()

    def weight_module(self, module, kind, **keys):
        """A conv or linear layer: its file (FleXOR or full precision) and manifest entry; Cout, Cin."""
        fp = self.fp.get(module, {})
        if module in self.layers:
            arrays = layer_to_arrays(self.layers[module], fp.get("bias"))
        elif "weight" in fp:
            arrays = fp_layer_to_arrays(fp["weight"], fp.get("bias"), self.fp_planes)
        else:
            raise ValueError(f"{module}: neither a FleXOR layer ({module}.flexor) nor fp_state['{module}.weight']")
        shape = [int(x) for x in arrays["shape"]]
        if len(shape) != (4 if kind == "conv" else 2):
            raise ValueError(f"{module}: weight shape {shape} is not that of a {kind}")
        self.used.add(module)
        self.files[f"{module}.npz"] = arrays
        if kind == "conv":
            keys.setdefault("padding", shape[2] // 2)
        self.entries.append({"name": module.replace(".", "_"), "kind": kind, "from": f"{module}.npz", **keys})
        return shape[0], shape[1]

    def batchnorm(self, module, channels):
        """The batchnorm entry of fp_state's <module>.weight, .bias, .running_mean, .running_var."""
        bn = self.fp.get(module, {})
        params = {"gamma": "weight", "beta": "bias", "mean": "running_mean", "var": "running_var"}
        missing = [f"{module}.{p}" for p in params.values() if p not in bn]
        if missing:
            raise ValueError(f"{module}: fp_state lacks {', '.join(missing)}")
        entry = {"name": module.replace(".", "_"), "kind": "batchnorm"}
        for key, param in params.items():
            values = _floats(bn[param]).reshape(-1)
            if values.shape != (channels,):
                raise ValueError(f"{module}.{param}: {values.size} values for {channels} channels")
            entry[key] = [float(v) for v in values]
        entry["eps"] = self.eps
        self.used.add(module)
        self.entries.append(entry)
        return entry["name"]

    def conv_bn(self, conv, bn, **keys):
        """conv + batchnorm; the batchnorm's name (what later layers read) and Cout, Cin."""
        cout, cin = self.weight_module(conv, "conv", **keys)
        return self.batchnorm(bn, cout), cout, cin

    def block(self, prefix, block_input):
        """One basic block; returns its output's name."""
        name = prefix.replace(".", "_")
        probe = self.layers.get(f"{prefix}.conv1", self.fp.get(f"{prefix}.conv1", {}).get("weight"))
        shape = probe["shape"] if isinstance(probe, dict) else np.asarray(probe).shape
        stride = 2 if int(shape[0]) != int(shape[1]) else 1
        bn1, cout, cin = self.conv_bn(f"{prefix}.conv1", f"{prefix}.bn1", stride=stride)
        self.entries.append({"name": f"{name}_relu1", "kind": "relu"})
        bn2, _, _ = self.conv_bn(f"{prefix}.conv2", f"{prefix}.bn2")
        bypass = self.shortcut(prefix, block_input, cin, cout, stride)
        self.entries.append({"name": f"{name}_add", "kind": "add", "inputs": [bn2, bypass]})
        self.entries.append({"name": name, "kind": "relu"})
        return name

    def shortcut(self, prefix, block_input, cin, cout, stride):
        """The bypass of a block: identity, option B (a 1x1 conv + batchnorm) or option A."""
        for conv, bn in SHORTCUT_NAMES:
            if f"{prefix}.{conv}" in self.layers or f"{prefix}.{conv}" in self.fp:
                name, _, _ = self.conv_bn(f"{prefix}.{conv}", f"{prefix}.{bn}", stride=stride, padding=0, input=block_input)
                return name
        if cin == cout and stride == 1:
            return block_input
        name = f"{prefix.replace('.', '_')}_short"
        self.entries.append({"name": name, "kind": "shortcut", "input": block_input, "stride": stride, "channels": cout})
        return name


def _block_prefixes(exported):
    """layer<s>.<b> of every block, in order (stage, then block, numerically)."""
    names = [module_name(k) for k in exported["layers"]] + list(exported.get("fp_state", {}))
    found = set()
    for name in names:
        parts = name.split(".")
        if len(parts) > 2 and BLOCK.match(".".join(parts[:2])):
            found.add((int(parts[0][len("layer"):]), int(parts[1])))
    return [f"layer{s}.{b}" for s, b in sorted(found)]


def resnet_network(exported, name, input_spec, fp_planes=8, eps=1e-5, act_bits=8, logit_bits=16):
    """The manifest (a dict, docs/NETWORK.md) and the layer files ({file: arrays}) of a CIFAR ResNet."""
    walk = _Resnet(exported, fp_planes, eps)
    head = next((m for m in ("linear", "fc") if m in walk.layers or m in walk.fp), None)
    if head is None:
        raise ValueError("no final linear layer: neither linear nor fc in layers or fp_state")
    walk.conv_bn("conv1", "bn1")
    walk.entries.append({"name": "relu", "kind": "relu"})
    current = "relu"
    for prefix in _block_prefixes(exported):
        current = walk.block(prefix, current)
    walk.entries.append({"name": "pool", "kind": "avgpool"})
    walk.weight_module(head, "linear")
    # A FleXOR weight's own state (<module>.flexor.*) is the layer's entry; anything else must be placed.
    unused = sorted(m for m in (set(walk.layers) | set(walk.fp)) - walk.used if not m.endswith(FLEXOR_SUFFIX))
    if unused:
        raise ValueError(f"modules the ResNet walk does not place: {', '.join(unused)}")
    manifest = {"name": name, "input": input_spec, "actBits": act_bits, "logitBits": logit_bits, "layers": walk.entries}
    return manifest, walk.files


def manifest_json(manifest):
    """The manifest as JSON text, one layer a line (Python's float repr: every double exact)."""
    head = {k: v for k, v in manifest.items() if k != "layers"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    layers = [f"    {json.dumps(entry, allow_nan=False)}" for entry in manifest["layers"]]
    lines += ['  "layers": [', ",\n".join(layers), "  ]", "}"]
    return "\n".join(lines) + "\n"


def convert_resnet(exported, outdir, name, input_spec, fp_planes=8, eps=1e-5):
    """Writes outdir/<module>.npz for every conv/linear layer and the manifest outdir/<name>.json;
    returns the manifest's path."""
    manifest, files = resnet_network(exported, name, input_spec, fp_planes, eps)
    os.makedirs(outdir, exist_ok=True)
    for file, arrays in files.items():
        np.savez_compressed(os.path.join(outdir, file), **arrays)
    path = os.path.join(outdir, f"{name}.json")
    with open(path, "w") as f:
        f.write(manifest_json(manifest))
    return path


def _input_channels(exported):
    """Cin of the first conv (conv1), FleXOR or full precision."""
    if "conv1.flexor" in exported["layers"]:
        return int(exported["layers"]["conv1.flexor"]["shape"][1])
    if "conv1.weight" in exported.get("fp_state", {}):
        return int(exported["fp_state"]["conv1.weight"].shape[1])
    raise ValueError("no first conv: neither conv1.flexor in layers nor fp_state['conv1.weight']")


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exported", help="a .pt file written by torch.save(export_model(model), ...)")
    parser.add_argument("outdir", help="folder for the <module>.npz layer files (and the manifest)")
    parser.add_argument("--resnet", metavar="NAME", help="read the export as a CIFAR ResNet; write the manifest OUTDIR/NAME.json too")
    parser.add_argument("--image-size", type=int, default=32, help="H = W of the input images (default 32)")
    parser.add_argument("--input-bits", type=int, default=8, help="bits of an input value (default 8)")
    parser.add_argument("--input-unsigned", action="store_true", help="unsigned input values (default signed)")
    parser.add_argument("--input-scale", type=float, default=2.0 ** -5, help="real value of one input step (default 1/32)")
    parser.add_argument("--fp-planes", type=int, default=8, help="bit-planes of a full-precision layer (default 8)")
    parser.add_argument("--bn-eps", type=float, default=1e-5, help="the batch norms' eps (default 1e-5; a state_dict has none)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        import torch  # only needed here
    except ImportError:
        return "flexor_export.py: reading a .pt file needs PyTorch (pip install torch)"
    exported = torch.load(args.exported, map_location="cpu")
    if not args.resnet:
        for path in convert(exported, args.outdir):
            print(path)
        return None
    try:
        input_spec = {"shape": [args.image_size, args.image_size, _input_channels(exported)], "bits": args.input_bits,
                      "signed": not args.input_unsigned, "scale": args.input_scale, "layout": "nchw"}
        print(convert_resnet(exported, args.outdir, args.resnet, input_spec, args.fp_planes, args.bn_eps))
    except ValueError as e:
        return f"flexor_export.py: {e}"
    return None

if __name__ == "__main__":
    sys.exit(main())
