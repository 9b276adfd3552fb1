"""The exporter: layer .npz files per docs/FORMAT.md that decode to the module's weights, and the manifest."""
import os
import tempfile
import unittest
from collections import OrderedDict


from helpers import HAVE_TORCH, NO_TORCH, gf2_decode

if HAVE_TORCH:
    import numpy as np
    import torch
    from flexor_torch import FleXORConv2d, FleXORLinear, write_layer, write_network


def decode_layer_file(path):
    """The weight tensor's +-1 planes [q, *shape] and W, from a layer file alone, as docs/FORMAT.md reads it."""
    f = np.load(path)
    shape = tuple(int(d) for d in f["shape"])
    q, n_out, n_in = f["matrices"].shape
    n = int(np.prod(shape))
    n_slices = -(-n // n_out)
    planes = []
    for p in range(q):
        bits = np.unpackbits(f["packed"][p])
        assert not bits[n_slices * n_in:].any(), "nonzero padding bits"
        x = bits[: n_slices * n_in].reshape(n_slices, n_in)               # bit s*Nin + i = slice s, x[i]
        stream = gf2_decode(f["matrices"][p], x).reshape(-1)[:n]
        planes.append((2 * stream.astype(np.int64) - 1).reshape(shape))   # layout 'oi'
    planes = np.stack(planes)
    alpha = f["alpha"].reshape(q, shape[0], *([1] * (len(shape) - 1)))
    return f, planes, (alpha * planes).sum(axis=0)


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class LayerFileTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(6)
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def round_trip(self, module):
        with torch.no_grad():
            module.bias.copy_(torch.randn_like(module.bias))
            module.flexor.alpha.copy_(torch.rand_like(module.flexor.alpha))
        path = write_layer(module, os.path.join(self.dir.name, "layer.npz"))
        f, planes, weight = decode_layer_file(path)
        w = module.flexor
        module.train()                                                    # the training forward: exact too
        self.assertEqual(sorted(f.files), ["alpha", "bias", "layout", "matrices", "n_in", "n_out", "n_slices", "packed", "q", "shape"])
        self.assertEqual(str(f["layout"]), "oi")
        self.assertEqual(f["matrices"].dtype, np.uint8)
        self.assertEqual(f["packed"].shape, (w.planes, -(-w.n_slices * w.n_in // 8)))
        self.assertEqual((int(f["n_in"]), int(f["n_out"]), int(f["q"]), int(f["n_slices"])), (w.n_in, w.n_out, w.planes, w.n_slices))
        np.testing.assert_array_equal(planes, w.plane_signs().detach().numpy())
        np.testing.assert_array_equal(f["alpha"], w.alpha.detach().numpy())
        np.testing.assert_array_equal(f["bias"], module.bias.detach().numpy())
        np.testing.assert_allclose(weight, w().detach().numpy(), rtol=1e-6)

    def test_conv_round_trip(self):
        self.round_trip(FleXORConv2d(3, 7, 3, n_in=13, n_out=20, seed=8, planes=2, padding=1))

    def test_odd_tap_round_trip(self):
        # With an even number of taps per row, complementing every encrypted bit decodes to the same
        # weights; three taps per row make a flipped sign convention visible.
        self.round_trip(FleXORConv2d(2, 5, 3, n_in=12, n_out=20, n_tap=3, seed=10, padding=1))

    def test_linear_round_trip(self):
        self.round_trip(FleXORLinear(30, 9, n_in=12, n_out=20, seed=9))

    def test_zero_encrypted_weight_is_the_bit_one(self):
        lin = FleXORLinear(4, 5, n_in=1, n_out=20, n_tap=1, seed=1)
        with torch.no_grad():
            lin.flexor.encrypted.zero_()
        f, planes, _ = decode_layer_file(write_layer(lin, os.path.join(self.dir.name, "zero.npz")))
        self.assertTrue((np.unpackbits(f["packed"][0])[:1] == 1).all())
        self.assertTrue((planes == 1).all())

    def test_network_manifest(self):
        model = torch.nn.Sequential(OrderedDict([
            ("c1", FleXORConv2d(1, 4, 3, n_in=12, n_out=20, seed=1, padding=1)), ("r1", torch.nn.ReLU()),
            ("p1", torch.nn.MaxPool2d(2)), ("f", torch.nn.Flatten()), ("fc", FleXORLinear(16, 3, n_in=12, n_out=20, seed=2)),
        ]))
        spec = {"shape": [4, 4, 1], "bits": 8, "signed": False, "scale": 0.5, "layout": "nchw"}
        path = write_network(model, self.dir.name, "tiny", spec, engine={"fc": {"lanes": 3, "simd": 4}}, comment="a test")
        with open(path) as f:
            text = f.read()
        self.assertIn("input: {shape: [4, 4, 1], bits: 8, signed: false, scale: 0.5, layout: nchw}", text)
        self.assertIn("- {name: c1, kind: conv, from: c1.npz, stride: 1, padding: 1}", text)
        self.assertIn("- {name: p1, kind: maxpool, size: 2}", text)
        self.assertIn("- {name: fc, kind: linear, from: fc.npz, lanes: 3, simd: 4}", text)
        self.assertTrue(os.path.exists(os.path.join(self.dir.name, "c1.npz")))
        self.assertTrue(os.path.exists(os.path.join(self.dir.name, "fc.npz")))
        with self.assertRaises(ValueError):
            write_network(torch.nn.Sequential(torch.nn.Tanh()), self.dir.name, "bad", spec)


if __name__ == "__main__":
    unittest.main()
