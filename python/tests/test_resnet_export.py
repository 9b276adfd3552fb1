"""docs/flexor_export.py on a whole ResNet: a tiny CIFAR-style ResNet (identity, option A and option B
blocks, batch norms with their running statistics) exported as export_model() lays it out becomes a
network manifest and layer files; flexor-rtl's float view of it (`flexor golden --float`) equals the
PyTorch model's eval-mode logits, and `flexor network` plans it as one accelerator."""
import json
import os
import subprocess
import tempfile
import unittest

from helpers import HAVE_TORCH, NO_TORCH, PYTHON_DIR

if HAVE_TORCH:
    import numpy as np
    import torch
    from torch import nn
    from torch.nn import functional as F
    from flexor_torch import FleXORConv2d, FleXORLinear
    from flexor_torch.matrix import load_docs_module
    from test_flexor_export import export_entry

ROOT = os.path.dirname(PYTHON_DIR)
CLI = os.path.join(ROOT, "dist", "generator", "cli", "flexor.js")
NO_CLI = "the CLI is not built (npx tsc -p .)"
SEED = iter(range(31, 1000))


def fx_conv(cin, cout, k, stride=1):
    return FleXORConv2d(cin, cout, k, n_in=6, n_out=10, n_tap=2, seed=next(SEED), stride=stride, padding=k // 2, bias=False)


class Block(nn.Module):
    """A CIFAR ResNet basic block; shortcut None (identity), "A" (x[::2, ::2], zero channels) or "B"."""

    def __init__(self, cin, cout, stride, option=None):
        super().__init__()
        self.conv1, self.bn1 = fx_conv(cin, cout, 3, stride), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = fx_conv(cout, cout, 3), nn.BatchNorm2d(cout)
        self.option, self.pad = option, (cout - cin) // 2
        if option == "B":
            self.shortcut = nn.Sequential(fx_conv(cin, cout, 1, stride), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.option == "B":
            bypass = self.shortcut(x)
        elif self.option == "A":
            bypass = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        else:
            bypass = x
        return F.relu(out + bypass)


class TinyResNet(nn.Module):
    """8 x 8 x 3 in: conv1 4 channels; an identity block, an option A block to 8 channels, an option B
    block to 16; global average pool; linear 10. full_precision: conv1 and linear as nn.Conv2d and
    nn.Linear (the paper's full-precision first and last layers)."""

    def __init__(self, full_precision=False):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False) if full_precision else fx_conv(3, 4, 3)
        self.bn1 = nn.BatchNorm2d(4)
        self.layer1 = nn.Sequential(Block(4, 4, 1))
        self.layer2 = nn.Sequential(Block(4, 8, 2, "A"))
        self.layer3 = nn.Sequential(Block(8, 16, 2, "B"))
        self.linear = nn.Linear(16, 10) if full_precision else FleXORLinear(16, 10, n_in=6, n_out=10, seed=next(SEED))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return self.linear(F.avg_pool2d(out, out.size()[3]).flatten(1))


def tiny_resnet(full_precision=False, seed=3):
    """The model in eval mode, its encrypted weights and batch-norm statistics drawn (one gamma < 0)."""
    torch.manual_seed(seed)
    model = TinyResNet(full_precision)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (FleXORConv2d, FleXORLinear)):
                module.flexor.encrypted.normal_()
                module.flexor.alpha.uniform_(0.2, 0.6)
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.2)
                module.running_mean.normal_(0, 0.2)
                module.running_var.uniform_(0.5, 2.0)
        model.bn1.weight[0] = -0.7
    return model.eval()


def export_model(model):
    """The dict export_model() writes: every FleXOR layer's entry, the rest of the state in fp_state."""
    layers = {f"{name}.flexor": export_entry(module) for name, module in model.named_modules()
              if isinstance(module, (FleXORConv2d, FleXORLinear))}
    fp_state = {k: v.clone() for k, v in model.state_dict().items() if ".flexor." not in k}
    return {"layers": layers, "fp_state": fp_state}


def cli(*args):
    run = subprocess.run(["node", CLI, *args], cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        raise AssertionError(f"flexor {' '.join(args)}: exit {run.returncode}\n{run.stdout}{run.stderr}")
    return run.stdout


INPUT = {"shape": [8, 8, 3], "bits": 8, "signed": True, "scale": 2.0 ** -5, "layout": "nchw"}


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
@unittest.skipUnless(os.path.exists(CLI), NO_CLI)
class ResnetExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.flexor_export = load_docs_module("flexor_export")
        torch.manual_seed(9)
        self.images = torch.rand(6, 3, 8, 8) * 2 - 1
        np.save(os.path.join(self.tmp.name, "images.npy"), self.images.numpy())

    def tearDown(self):
        self.tmp.cleanup()

    def export(self, model, **kw):
        pt = os.path.join(self.tmp.name, "exported.pt")
        torch.save(export_model(model), pt)
        out = os.path.join(self.tmp.name, "net")
        self.assertIsNone(self.flexor_export.main([pt, out, "--resnet", "tiny", "--image-size", "8", *kw.get("args", [])]))
        return out, os.path.join(out, "tiny.json")

    def float_view(self, manifest):
        out = os.path.join(self.tmp.name, "float.npy")
        cli("golden", manifest, "--float", "--inputs", os.path.join(self.tmp.name, "images.npy"), "-o", out, "--force")
        return np.load(out)

    def assert_close(self, got, expected):
        tolerance = 1e-4 * np.abs(expected).max()
        self.assertLess(np.abs(got - expected).max(), tolerance, f"float view\n{got}\nPyTorch\n{expected}")

    def test_manifest_layers_and_shortcuts(self):
        _, manifest = self.export(tiny_resnet())
        with open(manifest) as f:
            net = json.load(f)
        kinds = [(l["name"], l["kind"]) for l in net["layers"]]
        self.assertEqual(kinds[:3], [("conv1", "conv"), ("bn1", "batchnorm"), ("relu", "relu")])
        by_name = {l["name"]: l for l in net["layers"]}
        self.assertEqual(by_name["layer1_0_add"]["inputs"], ["layer1_0_bn2", "relu"])
        self.assertEqual(by_name["layer2_0_short"], {"name": "layer2_0_short", "kind": "shortcut", "input": "layer1_0", "stride": 2, "channels": 8})
        self.assertEqual(by_name["layer2_0_conv1"]["stride"], 2)
        self.assertEqual(by_name["layer3_0_shortcut_0"], {"name": "layer3_0_shortcut_0", "kind": "conv", "from": "layer3.0.shortcut.0.npz", "stride": 2, "padding": 0, "input": "layer2_0"})
        self.assertEqual(by_name["layer3_0_add"]["inputs"], ["layer3_0_bn2", "layer3_0_shortcut_1"])
        self.assertEqual(by_name["bn1"]["gamma"][0], float(np.float32(-0.7)))
        self.assertEqual(kinds[-2:], [("pool", "avgpool"), ("linear", "linear")])

    def test_float_view_equals_pytorch_eval(self):
        model = tiny_resnet()
        out, manifest = self.export(model)
        with torch.no_grad():
            expected = model(self.images).double().numpy()
        self.assert_close(self.float_view(manifest), expected)
        # The accelerator takes it: calibrated on the images, planned with the option A and B blocks.
        acc = os.path.join(self.tmp.name, "acc")
        summary = cli("network", manifest, "--calibrate", os.path.join(self.tmp.name, "images.npy"), "-o", acc)
        self.assertIn("bypass FIFO layer3_0_add_bypass", summary)
        self.assertIn("layer2_0_short (shortcut)", summary)

    def test_full_precision_first_and_last_layers(self):
        model = tiny_resnet(full_precision=True)
        out, manifest = self.export(model, args=["--fp-planes", "6"])
        for module, name in ((model.conv1, "conv1"), (model.linear, "linear")):
            arrays = np.load(os.path.join(out, f"{name}.npz"))
            self.assertEqual(arrays["matrices"].shape, (6, 16, 16))
            bits = np.unpackbits(arrays["packed"], axis=1)[:, : module.weight.numel()].astype(np.float64)
            w = module.weight.detach().double().numpy()
            rebuilt = np.einsum("pc,pck->ck", arrays["alpha"], 2 * bits.reshape(6, w.shape[0], -1) - 1).reshape(w.shape)
            peak = np.abs(w.reshape(w.shape[0], -1)).max(axis=1).reshape((-1,) + (1,) * (w.ndim - 1))
            self.assertTrue((np.abs(rebuilt - w) <= peak / 63 * (1 + 1e-12)).all(), name)
            self.assertGreater(np.abs(rebuilt - w).max(), 0, name)        # a quantization, not the weight
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(rebuilt))
            if name == "linear":
                self.assertIn("bias", arrays.files)
        with torch.no_grad():
            expected = model(self.images).double().numpy()
        self.assert_close(self.float_view(manifest), expected)

    def test_errors_name_the_module(self):
        exported = export_model(tiny_resnet())
        del exported["fp_state"]["layer2.0.bn2.running_var"]
        with self.assertRaisesRegex(ValueError, r"layer2\.0\.bn2: fp_state lacks layer2\.0\.bn2\.running_var"):
            self.flexor_export.resnet_network(exported, "tiny", INPUT)
        exported = export_model(tiny_resnet())
        exported["fp_state"]["extra.weight"] = torch.zeros(3)
        with self.assertRaisesRegex(ValueError, "modules the ResNet walk does not place: extra"):
            self.flexor_export.resnet_network(exported, "tiny", INPUT)
        exported = export_model(tiny_resnet())
        exported["fp_state"]["bn1.weight"] = torch.ones(5)
        with self.assertRaisesRegex(ValueError, r"bn1\.weight: 5 values for 4 channels"):
            self.flexor_export.resnet_network(exported, "tiny", INPUT)


if __name__ == "__main__":
    unittest.main()
