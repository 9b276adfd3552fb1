#!/usr/bin/env python3
"""Checks a network exported by train_digits.py against flexor-rtl's golden models and records the results.

    /usr/bin/python3 python/verify_digits.py rtl-out/digits [--rtl rtl-out/digits-acc [--simulator verilator]]

With the project's CLI (node dist/generator/cli/flexor.js; `npx tsc -p .` first), in DIR:
1. `flexor golden digits.yaml --float` on test_images.npy must give PyTorch's eval-mode logits
   (torch_logits.npy) to float tolerance, and the same labels;
2. `flexor calibrate` on calib_images.npy writes scales.json and digits-calibrated.yaml (the
   manifest with every layer's scale, beside digits.yaml);
3. `flexor golden digits-calibrated.yaml` gives the integer logits; their accuracy on the test
   split must be within --max-drop percentage points of the float accuracy;
4. every layer's stored XOR matrices (<layer>.npz) must be those `flexor matrix` draws from the
   layer's nIn, nOut, nTap, seed, planes and draw as results.json records them;
5. with --rtl OUT, `flexor network digits-calibrated.yaml -o OUT` generates the accelerator;
6. with --simulator too, `flexor sim OUT` runs every test image through the accelerator's RTL:
   its logits must equal the integer golden model's, bit for bit, and the table of results
   (accuracies, bits per weight, weight memory, cycles per image) is printed; OUT/report.html
   (flexor report) shows the accelerator's blocks and the hardware's confusion matrix.
results.json gets the integer accuracy and the comparison. Needs numpy only (no torch).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CLI = os.path.join(ROOT, "dist", "generator", "cli", "flexor.js")
# PyTorch computes in float32, the float view in float64: logits agree to a few float32 ulps of
# the largest logit.
REL_TOLERANCE = 1e-4


def flexor(*args):
    """Runs the CLI; fails with its output on a non-zero exit."""
    run = subprocess.run(["node", CLI, *args], cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"flexor {' '.join(args)} failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    return run.stdout


def generator_matrices(layer):
    """The [q, Nout, Nin] matrices `flexor matrix` draws for a layer entry of results.json."""
    args = ["matrix", "--nin", str(layer["nIn"]), "--nout", str(layer["nOut"]), "--ntap", str(layer["nTap"]),
            "--seed", str(layer["seed"]), "--planes", str(layer["planes"]), "--format", "json"]
    if layer.get("draw", "first") != "first":
        args += ["--draw", layer["draw"]]
    return np.array(json.loads(flexor(*args))["planes"], dtype=np.uint8)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="the folder train_digits.py wrote")
    parser.add_argument("--rtl", help="also generate the accelerator into this folder")
    parser.add_argument("--max-drop", type=float, default=1.0, help="allowed accuracy loss of the integer model, percentage points")
    parser.add_argument("--simulator", choices=("verilator", "iverilog"), help="with --rtl: run the test split through the RTL in this simulator")
    args = parser.parse_args(argv)
    d = os.path.abspath(args.dir)
    path = lambda name: os.path.join(d, name)  # noqa: E731
    with open(path("results.json")) as f:
        results = json.load(f)
    results.pop("rtl", None)                      # only from this run's --rtl
    labels = np.load(path("test_labels.npy"))
    torch_logits = np.load(path("torch_logits.npy")).astype(np.float64)

    with tempfile.TemporaryDirectory() as tmp:
        flexor("golden", path("digits.yaml"), "--float", "--inputs", path("test_images.npy"),
               "-o", os.path.join(tmp, "float.npy"), "--labels", os.path.join(tmp, "float_labels.npy"))
        float_logits = np.load(os.path.join(tmp, "float.npy"))
        float_labels = np.load(os.path.join(tmp, "float_labels.npy"))
        for name in ("scales.json", "digits-calibrated.yaml"):
            if os.path.exists(path(name)):
                os.remove(path(name))
        print(flexor("calibrate", path("digits.yaml"), "--inputs", path("calib_images.npy"),
                     "-o", path("scales.json"), "--write-manifest", path("digits-calibrated.yaml")), end="")
        flexor("golden", path("digits-calibrated.yaml"), "--inputs", path("test_images.npy"),
               "-o", os.path.join(tmp, "int.npy"), "--labels", os.path.join(tmp, "int_labels.npy"))
        int_labels = np.load(os.path.join(tmp, "int_labels.npy"))
        int_logits = np.load(os.path.join(tmp, "int.npy"))

    diff = np.abs(float_logits - torch_logits)
    scale = np.abs(torch_logits).max()
    float_accuracy = float((float_labels == labels).mean())
    int_accuracy = float((int_labels == labels).mean())
    comparison = {
        "maxAbsDifference": float(diff.max()),
        "maxRelDifference": float(diff.max() / scale),
        "labelsEqual": bool((float_labels == torch_logits.argmax(1)).all()),
    }
    print(f"float golden vs PyTorch: max |difference| {diff.max():.3g} (largest |logit| {scale:.3g}), "
          f"labels {'equal' if comparison['labelsEqual'] else 'DIFFER'}")
    print(f"accuracy on {len(labels)} test images: PyTorch {results['floatAccuracy']:.4f}, float golden {float_accuracy:.4f}, "
          f"integer golden {int_accuracy:.4f}")
    results["floatGoldenAccuracy"] = float_accuracy
    results["integerGoldenAccuracy"] = int_accuracy
    results["floatGoldenVsTorch"] = comparison
    results["calibration"] = {"images": "calib_images.npy", "scales": "scales.json", "manifest": "digits-calibrated.yaml"}

    failures = []
    stored_equal = {}
    for name, layer in results["layers"].items():
        with np.load(path(f"{name}.npz")) as z:
            stored_equal[name] = bool(np.array_equal(z["matrices"], generator_matrices(layer)))
        if not stored_equal[name]:
            failures.append(f"{name}.npz holds other matrices than flexor matrix draws for its results.json entry")
    results["matricesEqualGenerator"] = stored_equal
    print(f"stored matrices equal flexor matrix's draw: {', '.join(f'{k} {v}' for k, v in stored_equal.items())}")
    if comparison["maxRelDifference"] > REL_TOLERANCE:
        failures.append(f"the float golden differs from PyTorch by {comparison['maxRelDifference']:.3g} of the largest logit")
    if not comparison["labelsEqual"]:
        failures.append("the float golden's labels differ from PyTorch's")
    if 100 * (results["floatAccuracy"] - int_accuracy) > args.max_drop:
        failures.append(f"the integer golden loses more than {args.max_drop} percentage points")
    if args.rtl:
        print(flexor("network", path("digits-calibrated.yaml"), "-o", args.rtl, "--force"), end="")
        with open(os.path.join(args.rtl, "manifest.json")) as f:
            figures = json.load(f)["figures"]
        # The weight ROMs of the generated engines (boundary slices stored twice, alignment padding).
        rtl_bits = {b["block"]: b["weightBits"] for b in figures["blocks"] if b["kind"] == "engine"}
        results["rtl"] = {"weightMemoryBits": rtl_bits, "totalWeightMemoryBits": sum(rtl_bits.values()),
                          "idealCyclesPerImage": figures["idealCyclesPerImage"]}
        if "lutEstimate" in figures:
            results["rtl"]["lutEstimate"] = figures["lutEstimate"]
    if args.rtl and args.simulator:
        hardware = simulate(args.rtl, path("test_images.npy"), args.simulator, path("test_labels.npy"))
        if not np.array_equal(hardware["logits"], int_logits):
            failures.append("the hardware's logits differ from the integer golden model's")
        hw_accuracy = float((hardware["labels"] == labels).mean())
        results["rtl"]["hardware"] = {"simulator": args.simulator, "images": int(len(labels)), "accuracy": hw_accuracy,
                                      "logitsEqualGolden": bool(np.array_equal(hardware["logits"], int_logits)),
                                      "cyclesPerImage": hardware["cyclesPerImage"]}
        print_table(results, hw_accuracy, args.simulator, hardware["cyclesPerImage"])
    with open(path("results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    if failures:
        sys.exit("verify_digits: " + "; ".join(failures))


def simulate(rtl, images, simulator, truth):
    """`flexor sim` on the accelerator folder: the hardware's logits, labels and measured cycles per
    image, kept in RTL as hw_logits.npy and hw_labels.npy; then RTL/report.html with the confusion
    matrix of the hardware's labels against `truth` (flexor report)."""
    logits, labels = os.path.join(rtl, "hw_logits.npy"), os.path.join(rtl, "hw_labels.npy")
    out = flexor("sim", rtl, "--inputs", images, "--simulator", simulator, "-o", logits, "--labels", labels, "--force")
    print(out, end="")
    print(flexor("report", rtl, "--labels", truth, "--predicted", labels, "-o", os.path.join(rtl, "report.html"), "--force"), end="")
    cycles = [float(line.split(": ")[-1]) for line in out.splitlines() if line.startswith(f"{simulator}: cycles per image: ")]
    return {"logits": np.load(logits), "labels": np.load(labels), "cyclesPerImage": cycles[0] if cycles else None}


def print_table(results, hw_accuracy, simulator, cycles):
    """The digits example's results, as docs/TRAINING.md shows them."""
    layers = results["layers"]
    weights = sum(l["weights"] for l in layers.values())
    bits = sum(l["encryptedBits"] for l in layers.values())
    rtl = results["rtl"]
    per_layer = ", ".join(f"{name} {l['bitsPerWeight']:.3f}" for name, l in layers.items())
    rows = [
        ("float accuracy (PyTorch)", f"{100 * results['floatAccuracy']:.2f}%"),
        ("integer golden accuracy", f"{100 * results['integerGoldenAccuracy']:.2f}%"),
        (f"hardware accuracy ({simulator}, {rtl['hardware']['images']} test images)", f"{100 * hw_accuracy:.2f}%"),
        ("bits per weight", f"{bits / weights:.3f} ({per_layer})"),
        ("weight memory, trained", f"{bits} bits"),
        ("  as 1-bit binary weights", f"{weights} bits ({weights / bits:.2f}x)"),
        ("  as 32-bit floats", f"{32 * weights} bits ({32 * weights / bits:.1f}x)"),
        ("  weight ROMs as generated", f"{rtl['totalWeightMemoryBits']} bits"),
        ("cycles per image", f"{cycles if cycles is not None else 'not measured'} measured, {rtl['idealCyclesPerImage']} ideal"),
    ]
    if "lutEstimate" in rtl:
        rows.append(("LUTs (the generator's estimate)", f"about {rtl['lutEstimate']}"))
    width = max(len(r[0]) for r in rows)
    print()
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
