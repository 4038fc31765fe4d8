#!/usr/bin/python3
"""Writes a 32-sample calibration set for mobilenet_v2_bn (N×3×224×224 float32) for the
`analyze` speed benchmark: the shared input plus 31 deterministic variants of it (flips,
rolls, contrast and Gaussian noise; numpy RandomState(5)).

usage: /usr/bin/python3 tests/bench/make_mobilenet_calib.py OUT.npy [N]
"""
import sys

import numpy as np

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 32
x = np.load("../shared/data/mobilenet_v2_input.npy").astype(np.float32)
rng = np.random.RandomState(5)
samples = [x[0]]
for i in range(1, n):
    s = x[0]
    if i % 2:
        s = s[:, :, ::-1]
    s = np.roll(s, shift=(rng.randint(-30, 31), rng.randint(-30, 31)), axis=(1, 2))
    s = s * rng.uniform(0.7, 1.3) + rng.normal(0, 0.2, s.shape)
    samples.append(s.astype(np.float32))
np.save(out, np.ascontiguousarray(np.stack(samples)).astype(np.float32))
