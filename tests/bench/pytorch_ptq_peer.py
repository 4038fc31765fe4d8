#!/usr/bin/env python3
"""PyTorch post-training static quantization as a peer for QuantScope's int8 accuracy.

Rebuilds a digits model of ../shared (an ONNX file) as a torch module with the ONNX weights
(a small ONNX -> torch interpreter for the ops these models use), checks its fp32 logits against
ONNX Runtime's reference logits, runs PyTorch's FX-mode static PTQ (HistogramObserver activations,
symmetric int8 weights per tensor and per channel) on the calibration split, evaluates top-1 and
the logits' SQNR against fp32 on the test split, and prints them next to
`quantscope-cli eval` for the same settings. A benchmark, not a CI test (see README.md).

Usage (Debian 12: apt-get install python3-torch python3-onnx; use the system python):
    /usr/bin/python3 tests/bench/pytorch_ptq_peer.py [--cli build/app/quantscope-cli]
        [--shared /work/shared] [--models digits_mbv2_bn,digits_mbv1_imb] [--methods minmax,kl,...]
        [--engine onednn]
"""
import argparse
import json
import math
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper
from torch.ao.quantization import (HistogramObserver, MinMaxObserver, PerChannelMinMaxObserver, QConfig,
                                   QConfigMapping)
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx


class OnnxModule(nn.Module):
    """Runs an ONNX graph of Conv, BatchNormalization, Relu, Clip, Add, GlobalAveragePool,
    Flatten and Gemm nodes with torch modules holding the ONNX weights. The node loop is plain
    Python over a fixed list, so FX symbolic tracing unrolls it into an ordinary graph."""

    def __init__(self, model: onnx.ModelProto):
        super().__init__()
        g = model.graph
        inits = {t.name: numpy_helper.to_array(t).copy() for t in g.initializer}
        consts = {}
        self.mods = nn.ModuleDict()
        self.steps = []  # (kind, module key or None, input names, output name, extra)
        for i, node in enumerate(g.node):
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            key = "m%d" % i
            op = node.op_type
            if op == "Constant":
                consts[node.output[0]] = numpy_helper.to_array(attrs["value"])
                continue
            if op == "Conv":
                w = inits[node.input[1]]
                pads = attrs.get("pads", [0, 0, 0, 0])
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    raise SystemExit("node %s: asymmetric pads are not supported" % node.name)
                conv = nn.Conv2d(w.shape[1] * attrs.get("group", 1), w.shape[0], tuple(w.shape[2:]),
                                 stride=tuple(attrs.get("strides", [1, 1])), padding=(pads[0], pads[1]),
                                 dilation=tuple(attrs.get("dilations", [1, 1])), groups=attrs.get("group", 1),
                                 bias=len(node.input) > 2 and node.input[2] != "")
                conv.weight.data = torch.from_numpy(w)
                if conv.bias is not None:
                    conv.bias.data = torch.from_numpy(inits[node.input[2]])
                self.mods[key] = conv
            elif op == "BatchNormalization":
                bn = nn.BatchNorm2d(inits[node.input[1]].shape[0], eps=attrs.get("epsilon", 1e-5))
                bn.weight.data = torch.from_numpy(inits[node.input[1]])
                bn.bias.data = torch.from_numpy(inits[node.input[2]])
                bn.running_mean.data = torch.from_numpy(inits[node.input[3]])
                bn.running_var.data = torch.from_numpy(inits[node.input[4]])
                self.mods[key] = bn
            elif op == "Relu":
                self.mods[key] = nn.ReLU()
            elif op == "Clip":
                lo = float(consts.get(node.input[1], inits.get(node.input[1])))
                hi = float(consts.get(node.input[2], inits.get(node.input[2])))
                self.mods[key] = nn.ReLU6() if (lo, hi) == (0.0, 6.0) else nn.Hardtanh(lo, hi)
            elif op == "GlobalAveragePool":
                self.mods[key] = nn.AdaptiveAvgPool2d(1)
            elif op == "Gemm":
                w = inits[node.input[1]]
                if attrs.get("transB", 0) != 1 or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
                    raise SystemExit("node %s: only Gemm with transB=1, alpha=beta=1 is supported" % node.name)
                lin = nn.Linear(w.shape[1], w.shape[0], bias=len(node.input) > 2)
                lin.weight.data = torch.from_numpy(w)
                if lin.bias is not None:
                    lin.bias.data = torch.from_numpy(inits[node.input[2]])
                self.mods[key] = lin
            elif op in ("Add", "Flatten"):
                key = None
            else:
                raise SystemExit("node %s: op %s is not supported by this interpreter" % (node.name, op))
            data_inputs = [node.input[0]] if op in ("Conv", "BatchNormalization", "Clip", "Gemm") else list(node.input)
            self.steps.append((op, key, data_inputs, node.output[0], attrs.get("axis", 1)))
        self.input_name = g.input[0].name
        self.output_name = g.output[0].name

    def forward(self, x):
        env = {self.input_name: x}
        for op, key, inputs, output, axis in self.steps:
            if op == "Add":
                env[output] = torch.add(env[inputs[0]], env[inputs[1]])
            elif op == "Flatten":
                env[output] = torch.flatten(env[inputs[0]], axis)
            else:
                env[output] = self.mods[key](env[inputs[0]])
        return env[self.output_name]


def sqnr_db(reference, test):
    noise = float(((test.astype(np.float64) - reference) ** 2).sum())
    signal = float((reference.astype(np.float64) ** 2).sum())
    return math.inf if noise == 0 else 10.0 * math.log10(signal / noise)


def top1(logits, labels):
    return float((logits.argmax(1) == labels).mean())


def torch_ptq(model_path, calib, test, granularity):
    model = OnnxModule(onnx.load(model_path)).eval()
    activation = HistogramObserver.with_args(reduce_range=False)  # quint8, affine, per tensor
    if granularity == "channel":
        weight = PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
    else:
        weight = MinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
    mapping = QConfigMapping().set_global(QConfig(activation=activation, weight=weight))
    prepared = prepare_fx(model, mapping, example_inputs=(torch.from_numpy(calib[:1]),))
    with torch.no_grad():
        for b in range(0, len(calib), 32):
            prepared(torch.from_numpy(calib[b:b + 32]))
    quantized = convert_fx(prepared)
    with torch.no_grad():
        return quantized(torch.from_numpy(test)).numpy()


def ours(cli, model_path, data, labels, calib, granularity, method):
    cmd = [cli, "eval", model_path, "--data", data, "--labels", labels, "--calib", calib, "--granularity",
           granularity, "--calib-method", method, "--executor", "sim"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("%s failed: %s" % (" ".join(cmd), r.stderr.strip()))
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cli", default=os.path.join(here, "..", "..", "build", "app", "quantscope-cli"))
    p.add_argument("--shared", default=os.environ.get("QS_SHARED_DIR", "/work/shared"))
    p.add_argument("--models", default="digits_mbv2_bn,digits_mbv1_imb")
    p.add_argument("--engine", default="onednn")
    p.add_argument("--methods", default="minmax,percentile:99.99,kl,mse", help="our calibration methods to list")
    args = p.parse_args()

    engines = torch.backends.quantized.supported_engines
    engine = args.engine if args.engine in engines else "qnnpack"
    if engine != args.engine:
        print("note: quantized engine '%s' is not in this build (%s); using '%s'" % (args.engine, engines, engine))
    torch.backends.quantized.engine = engine
    torch.manual_seed(0)
    print("torch %s, quantized engine %s; activations HistogramObserver (quint8, per tensor), weights "
          "symmetric qint8; ours: simulator, symmetric int8 weights, asymmetric uint8 activations" %
          (torch.__version__, engine))

    d = os.path.join(args.shared, "data")
    calib_path, test_path, labels_path = (os.path.join(d, n) for n in
                                          ("digits_calib_x.npy", "digits_test_x.npy", "digits_test_y.npy"))
    calib, test, labels = np.load(calib_path), np.load(test_path), np.load(labels_path)
    rows = []
    for name in args.models.split(","):
        model_path = os.path.join(args.shared, "models", name + ".onnx")
        model = OnnxModule(onnx.load(model_path)).eval()
        with torch.no_grad():
            fp32 = model(torch.from_numpy(test)).numpy()
        ref_path = os.path.join(args.shared, "models", name + ".ort_test_logits.npy")
        ref = np.load(ref_path)
        diff = float(np.abs(fp32 - ref).max() / np.abs(ref).max())
        print("%s: torch fp32 logits vs ONNX Runtime's: max |diff| / max |ref| = %.2e; top-1 torch %.4f, ORT %.4f"
              % (name, diff, top1(fp32, labels), top1(ref, labels)))
        if diff > 1e-4:
            raise SystemExit("%s: the torch rebuild does not match ONNX Runtime" % name)
        for granularity in ("tensor", "channel"):
            q = torch_ptq(model_path, calib, test, granularity)
            rows.append((name, granularity, "pytorch histogram", top1(q, labels), sqnr_db(fp32, q), top1(fp32, labels)))
            for method in args.methods.split(","):
                r = ours(args.cli, model_path, test_path, labels_path, calib_path, granularity, method)
                rows.append((name, granularity, "quantscope " + method, r["top1"], r["sqnr_db"], r["fp32_top1"]))

    print()
    print("| model | weights | calibration | top-1 | fp32 top-1 | SQNR vs fp32 (dB) |")
    print("|---|---|---|---|---|---|")
    for name, gran, who, t, s, f in rows:
        print("| %s | per-%s | %s | %.3f | %.3f | %.2f |" % (name, gran, who, t, f, s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
