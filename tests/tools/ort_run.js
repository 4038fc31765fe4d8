#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (onnxruntime-node, CPU) and writes every output as a
// float32 .npy file: the reference side of QuantScope's interop tests.
//
// Usage: node ort_run.js MODEL NAME=INPUT.npy [NAME=INPUT.npy ...] OUT_DIR
//   One intra-op thread, graph optimisation level "all", sequential execution. Output NAME is
//   written to OUT_DIR/NAME.npy, with characters outside [A-Za-z0-9_.-] replaced by '_' (the
//   rule of `quantscope-cli run`). Prints one JSON line: {"outputs": {NAME: {"shape", "type",
//   "file"}}}. Exit status 2 on any error, with the reason on stderr.
// Install the runtime first, in this folder: npm install --ignore-scripts --no-audit --no-fund
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function die(message) {
  process.stderr.write(`ort_run: ${message}\n`);
  process.exit(2);
}

// .npy dtype descr -> ONNX Runtime tensor type and typed array.
const kNpyTypes = {
  '<f4': {type: 'float32', array: Float32Array, size: 4},
  '<f8': {type: 'float64', array: Float64Array, size: 8},
  '<i8': {type: 'int64', array: BigInt64Array, size: 8},
  '<i4': {type: 'int32', array: Int32Array, size: 4},
  '|i1': {type: 'int8', array: Int8Array, size: 1},
  '|u1': {type: 'uint8', array: Uint8Array, size: 1},
  '|b1': {type: 'bool', array: Uint8Array, size: 1},
};

// .npy reader: format 1.0/2.0/3.0, little-endian, C order.
function readNpy(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    die(`cannot read ${file}: ${e.message}`);
  }
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic)) die(`${file}: not a .npy file`);
  const major = buf[6];
  let headerLen;
  let headerStart;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) die(`${file}: truncated header`);
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    die(`${file}: unsupported .npy version ${major}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > buf.length) die(`${file}: truncated header`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) die(`${file}: cannot parse header ${header.trim()}`);
  const t = kNpyTypes[descr[1]];
  if (!t) die(`${file}: dtype ${descr[1]} is not supported (${Object.keys(kNpyTypes).join(', ')})`);
  if (fortran[1] === 'True') die(`${file}: Fortran order is not supported`);
  const shape = shapeText[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) die(`${file}: bad shape (${shapeText[1]})`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - dataStart < count * t.size) {
    die(`${file}: ${buf.length - dataStart} data bytes, expected ${count * t.size}`);
  }
  // Copy into an aligned buffer: the data offset in the file need not be a multiple of the size.
  const data = new t.array(count);
  Buffer.from(data.buffer).set(buf.subarray(dataStart, dataStart + count * t.size));
  return {type: t.type, shape, data: t.type === 'bool' ? Uint8Array.from(data, (v) => (v ? 1 : 0)) : data};
}

// .npy writer (format 1.0, '<f4', C order); the header is padded so the data starts at a
// multiple of 64 bytes, as numpy does.
function writeNpyFloat32(file, shape, values) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
  fs.renameSync(tmp, file);
}

// Any numeric output as float32 (int64 via Number, bool as 0/1).
function toFloat32(tensor) {
  const d = tensor.data;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; ++i) out[i] = typeof d[i] === 'bigint' ? Number(d[i]) : Number(d[i]);
  return out;
}

function parseArgs(argv) {
  if (argv.length < 2) die('usage: node ort_run.js MODEL NAME=INPUT.npy [NAME=INPUT.npy ...] OUT_DIR');
  const model = argv[0];
  const outDir = argv[argv.length - 1];
  const inputs = [];
  for (const a of argv.slice(1, -1)) {
    const eq = a.indexOf('=');
    if (eq <= 0) die(`expected NAME=FILE.npy, got '${a}'`);
    inputs.push({name: a.slice(0, eq), file: a.slice(eq + 1)});
  }
  return {model, inputs, outDir};
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    die(`cannot load onnxruntime-node (${e.message.split('\n')[0]}); ` +
        `run in ${__dirname}: npm install --ignore-scripts --no-audit --no-fund`);
  }
  if (!fs.existsSync(args.model)) die(`model ${args.model} does not exist`);
  let session;
  try {
    session = await ort.InferenceSession.create(args.model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  } catch (e) {
    die(`cannot load ${args.model}: ${e.message}`);
  }
  const feeds = {};
  for (const {name, file} of args.inputs) {
    if (!session.inputNames.includes(name)) {
      die(`model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
    }
    const x = readNpy(file);
    feeds[name] = new ort.Tensor(x.type, x.data, x.shape);
  }
  for (const name of session.inputNames) if (!(name in feeds)) die(`input '${name}' was not given`);

  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    die(`run failed: ${e.message}`);
  }
  fs.mkdirSync(args.outDir, {recursive: true});
  const summary = {};
  for (const name of session.outputNames) {
    const t = results[name];
    const file = path.join(args.outDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`);
    writeNpyFloat32(file, t.dims, toFloat32(t));
    summary[name] = {shape: t.dims, type: t.type, file};
  }
  process.stdout.write(JSON.stringify({outputs: summary}) + '\n');
}

main().catch((e) => die(e && e.message ? e.message : String(e)));
