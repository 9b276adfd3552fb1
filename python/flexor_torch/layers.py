"""FleXOR layers: the weight tensor of a conv or linear layer as q XOR-encrypted bit-planes.

A layer of N output channels and K inputs per channel (conv [Cout, Cin, kh, kw]: N = Cout,
K = Cin*kh*kw; linear [out, in]: N = out, K = in) has N*K weights per plane. In layout 'oi'
(PyTorch's order, docs/FORMAT.md) plane p's weights, flattened, are its decoded stream: S =
ceil(N*K / Nout) slices of Nout decoded bits each, the surplus of the last slice dropped. Slice s
is decoded from Nin encrypted weights w_e[p, s, :] by the plane's XOR matrix M_p, so a plane
stores S*Nin encrypted bits: Nin/Nout bits per weight.

    W[c, k] = sum over p of alpha[p, c] * (+-1 decoded bit of plane p at c*K + k)

alpha [q, Cout] is trained, and so is the optional bias. The matrices are fixed: drawn from
(seed, Nin, Nout, nTap, plane) by docs/flexor_matrix.py, the generator's own PRNG.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .matrix import xor_matrices
from .xor import decode_planes


class FleXORWeight(nn.Module):
    """The encrypted weights, XOR matrices and scales of one weight tensor of the given shape."""

    def __init__(self, shape, n_in, n_out, n_tap=2, seed=1, planes=1, init_scale=0.01, draw="first"):
        super().__init__()
        self.shape = tuple(int(d) for d in shape)
        self.n_in, self.n_out, self.n_tap, self.seed, self.planes = n_in, n_out, n_tap, seed, planes
        self.draw = draw
        n_weights = math.prod(self.shape)
        self.n_slices = -(-n_weights // n_out)
        self.register_buffer("matrices", torch.from_numpy(xor_matrices(n_in, n_out, n_tap, seed, planes, draw=draw)))
        # Encrypted weights w_e [q, S, Nin]: small, so that tanh(S_tanh * w_e) starts in its slope.
        self.encrypted = nn.Parameter(torch.randn(planes, self.n_slices, n_in) * init_scale)
        # alpha [q, Cout]: He's scale for the first plane, halved for each further one.
        fan_in = n_weights // self.shape[0]
        he = math.sqrt(2.0 / fan_in)
        self.alpha = nn.Parameter(torch.tensor([[he * 0.5 ** p] * self.shape[0] for p in range(planes)]))
        self.s_tanh = 1.0

    @property
    def bits_per_weight(self):
        """Encrypted bits stored per weight: q * S * Nin / (N*K)."""
        return self.planes * self.n_slices * self.n_in / math.prod(self.shape)

    def plane_signs(self):
        """Each plane's decoded weights, +-1, as [q, *shape] (layout 'oi')."""
        decoded = decode_planes(self.encrypted, self.matrices, self.s_tanh)        # [q, S, Nout]
        stream = decoded.reshape(self.planes, -1)[:, : math.prod(self.shape)]      # the decoded streams
        return stream.reshape(self.planes, *self.shape)

    def forward(self):
        """The real weight tensor W = sum_p alpha_p * (+-1 bits of plane p), per output channel."""
        signs = self.plane_signs()
        alpha = self.alpha.reshape(self.planes, self.shape[0], *([1] * (len(self.shape) - 1)))
        return (alpha * signs).sum(dim=0)


class FleXORConv2d(nn.Module):
    """A convolution [Cout, Cin, kh, kw] whose weights are FleXOR-encrypted (zero padding)."""

    def __init__(self, in_channels, out_channels, kernel_size, n_in, n_out, n_tap=2, seed=1, planes=1,
                 stride=1, padding=0, bias=True, draw="first"):
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.stride, self.padding = stride, padding
        self.flexor = FleXORWeight((out_channels, in_channels, kh, kw), n_in, n_out, n_tap, seed, planes, draw=draw)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x):
        return F.conv2d(x, self.flexor(), self.bias, stride=self.stride, padding=self.padding)


class FleXORLinear(nn.Module):
    """A fully connected layer [out, in] whose weights are FleXOR-encrypted."""

    def __init__(self, in_features, out_features, n_in, n_out, n_tap=2, seed=1, planes=1, bias=True, draw="first"):
        super().__init__()
        self.flexor = FleXORWeight((out_features, in_features), n_in, n_out, n_tap, seed, planes, draw=draw)
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def forward(self, x):
        return F.linear(x, self.flexor(), self.bias)


def flexor_modules(model):
    """(name, module) of every FleXORConv2d and FleXORLinear of a model, in order."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, (FleXORConv2d, FleXORLinear))]


def set_s_tanh(model, s_tanh):
    """Sets S_tanh of every FleXOR layer of the model."""
    for _, module in flexor_modules(model):
        module.flexor.s_tanh = float(s_tanh)
