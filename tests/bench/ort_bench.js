#!/usr/bin/env node
// ONNX Runtime side of the fp32 benchmark (fp32_bench.cpp spawns this once per round).
// Loads a model with onnxruntime-node, feeds one float32 input (from a .npy file or
// deterministic pseudo-random data of a given shape), runs warmup + timed runs and prints
// one JSON line: {"median_ms", "min_ms", "max_ms", "peak_rss_mb", "threads", "runs", "times_ms"}.
//
// Usage: node ort_bench.js MODEL [--input [NAME=]FILE.npy | --shape 1,3,224,224]
//                               [--threads N] [--runs R] [--warmup W]
// Install the runtime first, in this folder: npm install --ignore-scripts
'use strict';

const fs = require('node:fs');

function die(message) {
  process.stderr.write(`ort_bench: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = {model: null, input: null, inputName: null, shape: null, threads: 1, runs: 20, warmup: 3};
  const intOption = (name, text, min) => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < min) die(`--${name} expects an integer >= ${min}, got '${text}'`);
    return v;
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--input') {
      const v = next();
      const eq = v.indexOf('=');
      // NAME=FILE names the model input; a bare FILE feeds the first input.
      if (eq > 0 && !fs.existsSync(v)) {
        args.inputName = v.slice(0, eq);
        args.input = v.slice(eq + 1);
      } else {
        args.input = v;
      }
    } else if (a === '--shape') {
      args.shape = next().split(',').map((d) => intOption('shape', d, 1));
    } else if (a === '--threads') {
      args.threads = intOption('threads', next(), 1);
    } else if (a === '--runs') {
      args.runs = intOption('runs', next(), 1);
    } else if (a === '--warmup') {
      args.warmup = intOption('warmup', next(), 0);
    } else if (a.startsWith('--')) {
      die(`unknown option ${a}`);
    } else if (args.model === null) {
      args.model = a;
    } else {
      die(`unexpected argument '${a}'`);
    }
  }
  if (args.model === null) die('usage: node ort_bench.js MODEL [--input [NAME=]FILE.npy | --shape D,D,...] [--threads N] [--runs R] [--warmup W]');
  if (args.input === null && args.shape === null) die('give the input with --input FILE.npy or its shape with --shape');
  return args;
}

// Minimal .npy reader: format 1.0/2.0/3.0, little-endian float32, C order — what our data files use.
function readNpyFloat32(path) {
  let buf;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    die(`cannot read ${path}: ${e.message}`);
  }
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic)) die(`${path}: not a .npy file`);
  const major = buf[6];
  let headerLen;
  let headerStart;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) die(`${path}: truncated header`);
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    die(`${path}: unsupported .npy version ${major}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > buf.length) die(`${path}: truncated header`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) die(`${path}: cannot parse header ${header.trim()}`);
  if (descr[1] !== '<f4') die(`${path}: dtype ${descr[1]}, expected float32 ('<f4')`);
  if (fortran[1] === 'True') die(`${path}: Fortran order is not supported`);
  const shape = shapeText[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - dataStart < count * 4) die(`${path}: ${buf.length - dataStart} data bytes, expected ${count * 4}`);
  // Copy into an aligned buffer: the data offset in the file need not be a multiple of 4.
  const data = new Float32Array(count);
  Buffer.from(data.buffer).set(buf.subarray(dataStart, dataStart + count * 4));
  return {shape, data};
}

// Deterministic pseudo-random data in [-1, 1) (32-bit LCG), so every run sees the same input.
function makeInput(shape) {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  let state = 42 >>> 0;
  for (let i = 0; i < count; ++i) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2147483648 - 1;
  }
  return {shape, data};
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    die(`cannot load onnxruntime-node (${e.message.split('\n')[0]}); run in ${__dirname}: npm install --ignore-scripts`);
  }
  const session = await ort.InferenceSession.create(args.model, {
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const name = args.inputName ?? session.inputNames[0];
  if (!session.inputNames.includes(name)) die(`model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
  const input = args.input !== null ? readNpyFloat32(args.input) : makeInput(args.shape);
  const feeds = {[name]: new ort.Tensor('float32', input.data, input.shape)};

  for (let i = 0; i < args.warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < args.runs; ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const round3 = (x) => Math.round(x * 1000) / 1000;
  process.stdout.write(JSON.stringify({
    median_ms: round3(median(sorted)),
    min_ms: round3(sorted[0]),
    max_ms: round3(sorted[sorted.length - 1]),
    peak_rss_mb: round3(process.resourceUsage().maxRSS / 1024), // maxRSS is in KiB
    rss_mb: round3(process.memoryUsage().rss / (1024 * 1024)), // resident after the runs
    threads: args.threads,
    runs: args.runs,
    times_ms: times.map(round3),
  }) + '\n');
}

main().catch((e) => die(e && e.message ? e.message : String(e)));
