"""flexor_torch: a compact PyTorch reference of FleXOR training (Lee et al., NeurIPS 2020,
"FleXOR: Trainable Fractional Quantization") that shares its XOR matrices with flexor-rtl and
exports trained layers in the project's formats (docs/FORMAT.md, docs/NETWORK.md).

    matrix     the seeded XOR matrices M_p of docs/MATRIX.md (docs/flexor_matrix.py, by path)
    xor        decoding encrypted weights: exact XOR forward, tanh surrogate backward
    layers     FleXORConv2d, FleXORLinear (q planes, alpha per output channel and plane, bias)
    schedule   the S_tanh schedule
    export     layer .npz files and the chained network manifest

docs/TRAINING.md describes the method and the commands.
"""
from .matrix import xor_matrices
from .xor import decode_planes, hard_decode, surrogate_decode
from .layers import FleXORConv2d, FleXORLinear, FleXORWeight, flexor_modules, set_s_tanh
from .schedule import STanhSchedule
from .export import layer_arrays, write_layer, write_network

__all__ = [
    "xor_matrices",
    "decode_planes",
    "hard_decode",
    "surrogate_decode",
    "FleXORConv2d",
    "FleXORLinear",
    "FleXORWeight",
    "flexor_modules",
    "set_s_tanh",
    "STanhSchedule",
    "layer_arrays",
    "write_layer",
    "write_network",
]
