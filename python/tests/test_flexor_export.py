"""docs/flexor_export.py's command line, torch.load included: a .pt as export_model() writes it
(layers with torch tensors, biases in fp_state) becomes layer files equal to the exporter's own."""
import os
import tempfile
import unittest

from helpers import HAVE_TORCH, NO_TORCH

if HAVE_TORCH:
    import numpy as np
    import torch
    from flexor_torch import FleXORConv2d, FleXORLinear
    from flexor_torch.export import layer_arrays
    from flexor_torch.matrix import load_docs_module


def export_entry(module):
    """One layer of an export_model() dict, its arrays as torch tensors (as the .pt holds them)."""
    w = module.flexor
    signs = (w.encrypted.detach() >= 0).to(torch.uint8).numpy()
    return {
        "shape": tuple(w.shape),
        "spec": {"n_in": w.n_in, "n_out": w.n_out, "q": w.planes},
        "n_slices": w.n_slices,
        "matrices": w.matrices.to(torch.uint8),
        "packed": [torch.from_numpy(np.packbits(plane.reshape(-1))) for plane in signs],
        "alpha": w.alpha.detach().clone(),
    }


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class FlexorExportCommandTest(unittest.TestCase):
    def test_torch_load_path_writes_the_same_layer_files(self):
        torch.manual_seed(11)
        conv = FleXORConv2d(2, 4, 3, n_in=6, n_out=10, n_tap=2, seed=5, padding=1)
        fc = FleXORLinear(12, 3, n_in=5, n_out=10, n_tap=2, seed=6, bias=False)
        exported = {
            "layers": {"features.0.flexor": export_entry(conv), "classifier.flexor": export_entry(fc)},
            "fp_state": {"features.0.bias": conv.bias.detach().clone()},
        }
        with tempfile.TemporaryDirectory() as tmp:
            pt = os.path.join(tmp, "exported.pt")
            torch.save(exported, pt)
            out = os.path.join(tmp, "layers")
            flexor_export = load_docs_module("flexor_export")
            self.assertIsNone(flexor_export.main([pt, out]))
            self.assertEqual(sorted(os.listdir(out)), ["classifier.npz", "features.0.npz"])
            for name, module in (("features.0", conv), ("classifier", fc)):
                written = np.load(os.path.join(out, f"{name}.npz"))
                expected = layer_arrays(module)
                self.assertEqual(sorted(written.files), sorted(expected.keys()), name)
                for key, value in expected.items():
                    np.testing.assert_array_equal(written[key], value, err_msg=f"{name}: {key}")
            # The bias came from fp_state; the linear layer has none.
            self.assertIn("bias", np.load(os.path.join(out, "features.0.npz")).files)
            self.assertNotIn("bias", np.load(os.path.join(out, "classifier.npz")).files)


if __name__ == "__main__":
    unittest.main()
