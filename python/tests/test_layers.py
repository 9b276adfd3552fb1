"""FleXOR layers: the 'oi' slicing of the weight tensor, alpha and bias, and training that learns."""
import math
import unittest


from helpers import HAVE_TORCH, NO_TORCH, gf2_decode

if HAVE_TORCH:
    import numpy as np
    import torch
    from torch.nn import functional as F
    from flexor_torch import FleXORConv2d, FleXORLinear, STanhSchedule, set_s_tanh
    from flexor_torch.matrix import _flexor_matrix, xor_matrices


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class WeightLayoutTest(unittest.TestCase):
    def test_conv_weight_is_the_oi_stream_scaled_by_alpha(self):
        torch.manual_seed(3)
        conv = FleXORConv2d(3, 5, 3, n_in=12, n_out=20, n_tap=2, seed=4, planes=2, padding=1)
        w = conv.flexor
        self.assertEqual(w.n_slices, math.ceil(5 * 3 * 9 / 20))
        with torch.no_grad():
            w.alpha.copy_(torch.rand(2, 5) + 0.1)
        x = (w.encrypted.detach().numpy() >= 0).astype(np.int64)          # [q, S, Nin]
        expected = np.zeros((5, 27))
        for p in range(2):
            stream = (2 * gf2_decode(w.matrices[p].numpy(), x[p]) - 1).reshape(-1)[: 5 * 27]
            expected += w.alpha[p].detach().numpy()[:, None] * stream.reshape(5, 27)   # weight (c, k) at c*K + k
        np.testing.assert_allclose(w().detach().numpy().reshape(5, 27), expected, rtol=1e-6)

    def test_conv_and_linear_forward_use_weight_and_bias(self):
        torch.manual_seed(4)
        conv = FleXORConv2d(2, 4, 3, n_in=10, n_out=20, seed=5, padding=1, stride=2)
        lin = FleXORLinear(6, 3, n_in=16, n_out=20, seed=6)
        with torch.no_grad():
            conv.bias.copy_(torch.randn(4))
            lin.bias.copy_(torch.randn(3))
        x = torch.randn(2, 2, 6, 6)
        torch.testing.assert_close(conv(x), F.conv2d(x, conv.flexor(), conv.bias, stride=2, padding=1))
        v = torch.randn(5, 6)
        torch.testing.assert_close(lin(v), v @ lin.flexor().T + lin.bias)
        self.assertAlmostEqual(lin.flexor.bits_per_weight, math.ceil(18 / 20) * 16 / 18)


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class MatrixDrawTest(unittest.TestCase):
    """draw="full" (docs/MATRIX.md): the layers use the matrices the generator draws with --draw full."""

    def test_full_draw_has_the_target_rank_and_every_column(self):
        first = xor_matrices(16, 20, 2, seed=1)
        full = xor_matrices(16, 20, 2, seed=1, planes=2, draw="full")
        np.testing.assert_array_equal(first, xor_matrices(16, 20, 2, seed=1, draw="first"))
        self.assertEqual(_flexor_matrix.gf2_rank(first[0].tolist()), 12)
        for m in full:
            self.assertEqual(_flexor_matrix.gf2_rank(m.tolist()), 15)
            self.assertTrue(m.any(axis=0).all())
        # The full draw of seed 1 is candidate 7 of plane 0's sequence.
        np.testing.assert_array_equal(full[0], _flexor_matrix.draw_candidate(16, 20, 2, False, 1, 0, 7))

    def test_layers_take_the_draw(self):
        conv = FleXORConv2d(1, 16, 3, n_in=16, n_out=20, n_tap=2, seed=1, planes=2, padding=1, draw="full")
        lin = FleXORLinear(128, 10, n_in=12, n_out=20, seed=103, draw="full")
        np.testing.assert_array_equal(conv.flexor.matrices.numpy(), xor_matrices(16, 20, 2, seed=1, planes=2, draw="full"))
        np.testing.assert_array_equal(lin.flexor.matrices.numpy(), xor_matrices(12, 20, 2, seed=103, draw="full"))
        self.assertEqual((conv.flexor.draw, lin.flexor.draw), ("full", "full"))
        self.assertEqual(FleXORLinear(6, 3, n_in=16, n_out=20, seed=6).flexor.draw, "first")
        with self.assertRaises(ValueError):
            xor_matrices(16, 20, 2, seed=1, draw="best")


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class TrainingTest(unittest.TestCase):
    def test_a_few_steps_reduce_the_loss(self):
        torch.manual_seed(5)
        model = torch.nn.Sequential(FleXORConv2d(1, 8, 3, n_in=12, n_out=20, seed=1, padding=1), torch.nn.ReLU(),
                                    torch.nn.Flatten(), FleXORLinear(8 * 16, 4, n_in=12, n_out=20, seed=2))
        x = torch.randn(64, 1, 4, 4)
        y = torch.randint(0, 4, (64,))
        set_s_tanh(model, 10.0)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        signs_before = [(m.flexor.encrypted >= 0).clone() for m in (model[0], model[3])]
        with torch.no_grad():
            before = F.cross_entropy(model(x), y).item()
        for _ in range(30):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            after = F.cross_entropy(model(x), y).item()
        self.assertLess(after, 0.8 * before)
        # The encrypted weights learnt too: in each layer some encrypted sign bits flipped.
        for before_bits, m in zip(signs_before, (model[0], model[3])):
            self.assertTrue((before_bits != (m.flexor.encrypted >= 0)).any())

    def test_s_tanh_schedule(self):
        s = STanhSchedule(5, 50, 11)
        self.assertEqual(s(0), 5.0)
        self.assertAlmostEqual(s(10), 50.0)
        self.assertAlmostEqual(s(5), math.sqrt(5 * 50))
        self.assertEqual(STanhSchedule(5, 50, 1)(0), 50.0)


if __name__ == "__main__":
    unittest.main()
