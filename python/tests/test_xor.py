"""The XOR network: exact forward against y = M x over GF(2), the tanh surrogate and its gradient."""
import unittest


from helpers import HAVE_TORCH, NO_TORCH, gf2_decode

if HAVE_TORCH:
    import numpy as np
    import torch
    from flexor_torch import decode_planes, hard_decode, surrogate_decode, xor_matrices


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class XorMatrixTest(unittest.TestCase):
    def test_matrix_is_the_documented_one(self):
        # docs/MATRIX.md: 20 x 16, nTap = 2, seed 1, rows 0, 1 and 19; plane 1 starts 1010000000000000.
        m = xor_matrices(16, 20, n_tap=2, seed=1, planes=2)
        self.assertEqual(m.shape, (2, 20, 16))
        self.assertEqual("".join(map(str, m[0, 0])), "0000000000100001")
        self.assertEqual("".join(map(str, m[0, 1])), "0100000001000000")
        self.assertEqual("".join(map(str, m[0, 19])), "0010000010000000")
        self.assertEqual("".join(map(str, m[1, 0])), "1010000000000000")


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class XorForwardTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def check_against_gf2(self, matrices):
        q, n_out, n_in = matrices.shape
        w_e = torch.randn(q, 50, n_in)
        w_e[0, 0, :] = 0.0                                   # w_e = 0 is the bit 1 (+1)
        x = (w_e >= 0).numpy().astype(np.int64)              # the encrypted bits, 1 = +1
        decoded = hard_decode(w_e, matrices).numpy()
        for p in range(q):
            expected = 2 * gf2_decode(matrices[p], x[p]) - 1
            np.testing.assert_array_equal(decoded[p], expected)

    def test_hard_decode_is_m_x_over_gf2(self):
        self.check_against_gf2(xor_matrices(12, 20, n_tap=2, seed=7, planes=2))

    def test_odd_taps_dense_rows_and_zero_rows(self):
        self.check_against_gf2(xor_matrices(5, 9, n_tap=3, seed=3))
        self.check_against_gf2(xor_matrices(10, 16, dense=True, seed=4))
        zero_row = xor_matrices(4, 6, n_tap=1, seed=2)
        zero_row[0, 3, :] = 0                                # always 0: the weight -1
        self.check_against_gf2(zero_row)
        self.assertTrue((hard_decode(torch.randn(1, 8, 4), zero_row)[0, :, 3] == -1).all())

    def test_product_of_signs_is_the_xor(self):
        # The surrogate with the signs in place of tanh (S_tanh huge) is the XOR exactly.
        matrices = xor_matrices(12, 20, n_tap=2, seed=5)
        w_e = torch.randn(1, 30, 12).double()
        np.testing.assert_array_equal(surrogate_decode(w_e, matrices, 1e9).numpy(), hard_decode(w_e, matrices).numpy())


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class XorBackwardTest(unittest.TestCase):
    def test_surrogate_gradient_is_finite_and_nonzero(self):
        torch.manual_seed(1)
        matrices = xor_matrices(16, 20, n_tap=2, seed=1)
        for s_tanh in (1.0, 10.0, 100.0):
            w_e = (torch.randn(1, 40, 16) * 0.01).requires_grad_()
            decoded = decode_planes(w_e, matrices, s_tanh)
            (decoded * torch.randn_like(decoded)).sum().backward()
            grad = w_e.grad
            self.assertTrue(torch.isfinite(grad).all(), f"S_tanh {s_tanh}")
            used = matrices[0].any(axis=0)                   # columns no row uses get no gradient
            self.assertTrue((grad[0][:, torch.from_numpy(used)] != 0).all(), f"S_tanh {s_tanh}")
            self.assertTrue((grad[0][:, torch.from_numpy(~used)] == 0).all(), f"S_tanh {s_tanh}")

    def test_forward_is_exact_and_gradient_is_the_surrogates(self):
        torch.manual_seed(2)
        matrices = xor_matrices(12, 20, n_tap=2, seed=9)
        w_e = torch.randn(1, 10, 12).double().requires_grad_()
        decoded = decode_planes(w_e, matrices, 5.0)
        np.testing.assert_array_equal(decoded.detach().numpy(), hard_decode(w_e.detach(), matrices).numpy())
        weights = torch.randn_like(decoded)
        (decoded * weights).sum().backward()
        w_s = w_e.detach().clone().requires_grad_()
        (surrogate_decode(w_s, matrices, 5.0) * weights).sum().backward()
        torch.testing.assert_close(w_e.grad, w_s.grad)


if __name__ == "__main__":
    unittest.main()
