#!/usr/bin/env python3
"""Trains a small FleXOR CNN on scikit-learn's digits (8x8, 10 classes) and exports it for flexor-rtl.

    /usr/bin/python3 python/train_digits.py --out rtl-out/digits --seed 1
    /usr/bin/python3 python/verify_digits.py rtl-out/digits          # golden models, calibration, results.json

Every conv and linear layer is FleXOR (q = 1 plane, nTap = 2, Nout = 20; Nin 16, 12, 12: about
0.61 encrypted bits per weight overall), no batch normalization (so alpha and bias are exactly
what the hardware uses, nothing to fold). --draw full trains on each seed's first matrix of full
rank with every column used instead of its first draw (docs/MATRIX.md, "Full draw"):

    8x8x1 -> conv1 3x3 pad 1, 16 ch -> relu -> maxpool 2 -> conv2 3x3 pad 1, 32 ch -> relu -> maxpool 2
          -> flatten (128) -> fc 10

Deterministic for a given --seed: a seeded stratified split (--test images for testing), seeded
initialisation and batch order, torch.use_deterministic_algorithms and a fixed thread count.
Writes into --out: the layer files <layer>.npz, the manifest digits.yaml, test_images.npy
(float32 [V, 1, 8, 8], pixels / 16), test_labels.npy (int64 [V]), calib_images.npy (float32, from
the training split), torch_logits.npy (float32 [V, 10], the eval-mode logits) and results.json.
docs/TRAINING.md describes the method.
"""
import argparse
import json
import math
import os
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flexor_torch import FleXORConv2d, FleXORLinear, STanhSchedule, flexor_modules, set_s_tanh, write_network  # noqa: E402

PIXEL_MAX = 16          # load_digits pixels are integers 0..16
N_OUT, N_TAP = 20, 2
# Per FleXOR layer: Nin and the seed of its XOR matrix (docs/MATRIX.md), and the engine's parallelism.
LAYERS = {
    "conv1": {"n_in": 16, "seed": 101, "engine": {"lanes": 4, "simd": 9}},
    "conv2": {"n_in": 12, "seed": 102, "engine": {"lanes": 8, "simd": 16}},
    "fc": {"n_in": 12, "seed": 103, "engine": {"lanes": 5, "simd": 16}},
}
# The manifest's input: the real pixel p/16 is the integer p with scale 1/16, exactly (5 bits, unsigned).
INPUT_SPEC = {"shape": [8, 8, 1], "bits": 5, "signed": False, "scale": 1.0 / PIXEL_MAX, "layout": "nchw"}


def build_model(planes=1, draw="first"):
    def flexor(name, make):
        spec = LAYERS[name]
        return make(n_in=spec["n_in"], n_out=N_OUT, n_tap=N_TAP, seed=spec["seed"], planes=planes, draw=draw)

    return nn.Sequential(OrderedDict([
        ("conv1", flexor("conv1", lambda **k: FleXORConv2d(1, 16, 3, padding=1, **k))),
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)),
        ("conv2", flexor("conv2", lambda **k: FleXORConv2d(16, 32, 3, padding=1, **k))),
        ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(2)),
        ("flat", nn.Flatten()),
        ("fc", flexor("fc", lambda **k: FleXORLinear(128, 10, **k))),
    ]))


def digits_split(seed, test_size):
    """Images float32 [V, 1, 8, 8] in [0, 1] (pixel / 16) and int64 labels, split stratified by label."""
    digits = load_digits()
    images = (digits.data.astype(np.float32) / PIXEL_MAX).reshape(-1, 1, 8, 8)
    labels = digits.target.astype(np.int64)
    train, test = train_test_split(np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=seed)
    return (images[train], labels[train]), (images[test], labels[test])


def calibration_images(images, labels, count, seed):
    """`count` training images, about as many of each label, in a seeded order."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    classes = np.unique(labels)
    per_class = [order[labels[order] == c] for c in classes]
    chosen = [idx[i] for i in range(max(len(p) for p in per_class)) for idx in per_class if i < len(idx)][:count]
    return images[np.array(chosen)]


def evaluate(model, images):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(images)).numpy()


def train(model, images, labels, epochs, batch, lr, s_tanh, seed, log):
    """Adam on cross-entropy, cosine learning rate, S_tanh set once per epoch by the schedule."""
    generator = torch.Generator().manual_seed(seed)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    encrypted = [m.flexor.encrypted for _, m in flexor_modules(model)]
    others = [p for p in model.parameters() if all(p is not e for e in encrypted)]
    optimizer = torch.optim.Adam([{"params": encrypted, "lr": lr["encrypted"]}, {"params": others, "lr": lr["scales"]}])
    steps = epochs * math.ceil(len(y) / batch)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / steps)))
    for epoch in range(epochs):
        set_s_tanh(model, s_tanh(epoch))
        model.train()
        order = torch.randperm(len(y), generator=generator)
        total = 0.0
        for start in range(0, len(y), batch):
            idx = order[start:start + batch]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(idx)
        if log and (epoch % 10 == 9 or epoch == epochs - 1):
            acc = (evaluate(model, images).argmax(1) == labels).mean()
            print(f"epoch {epoch + 1:3d}  S_tanh {s_tanh(epoch):7.2f}  loss {total / len(y):.4f}  train accuracy {acc:.4f}", flush=True)


def storage(model):
    """Per FleXOR layer and overall: weights, encrypted bits, bits per weight."""
    layers = {}
    for name, m in flexor_modules(model):
        w = m.flexor
        weights = math.prod(w.shape)
        bits = w.planes * w.n_slices * w.n_in
        layers[name] = {"shape": list(w.shape), "nIn": w.n_in, "nOut": w.n_out, "nTap": w.n_tap, "seed": w.seed,
                        "draw": w.draw, "planes": w.planes, "weights": weights, "encryptedBits": bits, "bitsPerWeight": bits / weights}
    weights = sum(l["weights"] for l in layers.values())
    bits = sum(l["encryptedBits"] for l in layers.values())
    overall = {"weights": weights, "encryptedBits": bits, "bitsPerWeight": bits / weights,
               "binaryBits": weights, "float32Bits": 32 * weights,
               "compressionVsBinary": weights / bits, "compressionVsFloat32": 32 * weights / bits}
    return layers, overall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="rtl-out/digits", help="output folder (default rtl-out/digits)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the split, initialisation and batches (default 1)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--planes", type=int, default=1, help="q, bit-planes per layer (default 1)")
    parser.add_argument("--draw", choices=("first", "full"), default="first",
                        help="XOR matrices: each seed's first draw (default) or its first of full rank with every column used (docs/MATRIX.md)")
    parser.add_argument("--test", type=int, default=360, help="images in the test split (default 360)")
    parser.add_argument("--calib", type=int, default=64, help="calibration images, from the training split (default 64)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: on a busy machine more threads can be far slower)")
    parser.add_argument("--s-tanh", type=float, nargs=2, default=(5.0, 50.0), metavar=("START", "END"))
    parser.add_argument("--lr", type=float, nargs=2, default=(1e-3, 1e-2), metavar=("ENCRYPTED", "SCALES"),
                        help="Adam learning rates of the encrypted weights and of alpha and bias")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    (train_x, train_y), (test_x, test_y) = digits_split(args.seed, args.test)
    model = build_model(args.planes, args.draw)
    schedule = STanhSchedule(*args.s_tanh, args.epochs)
    started = time.perf_counter()
    train(model, train_x, train_y, args.epochs, args.batch, {"encrypted": args.lr[0], "scales": args.lr[1]},
          schedule, args.seed, log=True)
    seconds = time.perf_counter() - started

    logits = evaluate(model, test_x)
    accuracy = float((logits.argmax(1) == test_y).mean())
    print(f"trained in {seconds:.1f} s; float test accuracy {accuracy:.4f} ({int((logits.argmax(1) == test_y).sum())}/{len(test_y)})")

    os.makedirs(args.out, exist_ok=True)
    layers, overall = storage(model)
    draw = "" if args.draw == "first" else f" --draw {args.draw}"
    comment = (f"FleXOR CNN for scikit-learn's digits, trained by python/train_digits.py --seed {args.seed}{draw} "
               f"(docs/TRAINING.md).\nEvery conv/linear layer reads its trained .npz; "
               f"{overall['bitsPerWeight']:.3f} encrypted bits per weight overall.")
    manifest = write_network(model, args.out, "digits", INPUT_SPEC,
                             engine={name: spec["engine"] for name, spec in LAYERS.items()}, comment=comment)
    np.save(os.path.join(args.out, "test_images.npy"), test_x)
    np.save(os.path.join(args.out, "test_labels.npy"), test_y)
    np.save(os.path.join(args.out, "calib_images.npy"), calibration_images(train_x, train_y, args.calib, args.seed))
    np.save(os.path.join(args.out, "torch_logits.npy"), logits.astype(np.float32))
    results = {
        "dataset": "sklearn.datasets.load_digits (8x8, pixels 0..16 scaled by 1/16)",
        "seed": args.seed,
        "split": {"train": int(len(train_y)), "test": int(len(test_y)), "calibration": args.calib, "stratified": True},
        "training": {"epochs": args.epochs, "batch": args.batch, "optimizer": "Adam, cosine learning rate",
                     "lr": {"encrypted": args.lr[0], "scales": args.lr[1]}, "sTanh": schedule.describe(),
                     "batchNorm": False, "threads": args.threads, "torch": torch.__version__},
        "floatAccuracy": accuracy,
        "layers": layers,
        "overall": overall,
        "torchLogits": "torch_logits.npy",
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(f"wrote {manifest} and its layers, images and results.json; next: /usr/bin/python3 python/verify_digits.py {args.out}")


if __name__ == "__main__":
    main()
