"""Decoding encrypted weights through the XOR network of a plane.

Notation (the paper's, and docs/MATRIX.md's): a plane's encrypted weights are S slices of Nin
real numbers w_e; the encrypted bit is x_i = 1 when w_e[i] >= 0 (the value +1), else 0 (-1),
as docs/FORMAT.md fixes. The XOR matrix M (Nout x Nin, 0/1) decodes a slice into Nout bits

    y_j = XOR over the i with M[j][i] = 1 of x_i             (y = M x over GF(2))

In the +-1 form (bit 1 = +1, bit 0 = -1) an XOR of n bits is a signed product,

    y_j = (-1)^(n_j - 1) * prod over selected i of x_i        n_j = taps of row j

(two taps: XOR(1, 1) = 0 = -1 while (+1)(+1) = +1, hence the sign). An all-zero row gives
(-1)^(-1) * 1 = -1, the constant 0 of the hardware.

Forward uses the exact bits (decode_planes: every value exactly +-1); backward uses the paper's differentiable XOR, the same product of
tanh(S_tanh * w_e) in place of the signs (a straight-through estimator with the tanh surrogate).
"""
import torch


def row_signs(matrices):
    """(-1)^(n_j - 1) per plane and row: float [q, Nout] of +-1 from uint8/bool matrices [q, Nout, Nin]."""
    taps = torch.as_tensor(matrices).to(torch.int64).sum(dim=-1)
    return torch.where(taps % 2 == 1, 1.0, -1.0)


def hard_decode(w_e, matrices):
    """The exact decoded weights: +-1, float [q, S, Nout], from w_e [q, S, Nin] by y = M x mod 2."""
    x = (w_e >= 0).to(torch.int64)                                   # [q, S, Nin], 1 = +1
    m = torch.as_tensor(matrices).to(torch.int64)                    # [q, Nout, Nin]
    bits = torch.einsum("qsi,qji->qsj", x, m) % 2                    # [q, S, Nout]
    return bits.to(w_e.dtype) * 2 - 1


def surrogate_decode(w_e, matrices, s_tanh):
    """The differentiable XOR: (-1)^(n_j - 1) * prod over selected i of tanh(s_tanh * w_e[i]),
    float [q, S, Nout]. Unselected inputs enter the product as 1."""
    m = torch.as_tensor(matrices).to(w_e.dtype)                      # [q, Nout, Nin]
    t = torch.tanh(s_tanh * w_e)                                     # [q, S, Nin]
    factors = m[:, None, :, :] * t[:, :, None, :] + (1 - m[:, None, :, :])   # [q, S, Nout, Nin]
    return row_signs(matrices).to(w_e.dtype)[:, None, :] * factors.prod(dim=-1)


class _XorDecode(torch.autograd.Function):
    """Forward: the exact decoded weights. Backward: the gradient of the tanh surrogate."""

    @staticmethod
    def forward(ctx, w_e, matrices, s_tanh):
        ctx.save_for_backward(w_e)
        ctx.matrices, ctx.s_tanh = matrices, s_tanh
        return hard_decode(w_e, matrices)

    @staticmethod
    def backward(ctx, grad_output):
        (w_e,) = ctx.saved_tensors
        with torch.enable_grad():
            w = w_e.detach().requires_grad_()
            (grad,) = torch.autograd.grad(surrogate_decode(w, ctx.matrices, ctx.s_tanh), w, grad_output)
        return grad, None, None


def decode_planes(w_e, matrices, s_tanh):
    """The decoded weights of every plane, +-1 [q, S, Nout]: forward exactly hard_decode (every
    value exactly +1 or -1), backward the gradient of surrogate_decode (a straight-through
    estimator whose backward is the paper's differentiable XOR)."""
    return _XorDecode.apply(w_e, matrices, s_tanh)
