// tools/onnx/run_ort.js: runs an ONNX model in ONNX Runtime (CPU, the
// onnxruntime-node package installed here by tools/setup.sh) on float32
// .npy inputs and writes every output as float32 .npy.
//
//   node tools/onnx/run_ort.js MODEL.onnx OUT_DIR IN_0.npy [IN_1.npy ...]
//
// Inputs are fed to the model's inputs in order; output k is written to
// OUT_DIR/output_K.npy (C order, '<f4'). Prints one line per output with its
// name and dims. Exits 1 with a message on any error.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new Error(file + ': not a .npy file');
  }
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  if (!header.includes("'descr': '<f4'") ||
      header.includes("'fortran_order': True")) {
    throw new Error(file + ': only C-order float32 (<f4) is supported');
  }
  const shape = header.match(/'shape': \(([^)]*)\)/)[1]
                    .split(',').map((s) => s.trim()).filter((s) => s)
                    .map(Number);
  const offset = start + headerLen;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; ++i) data[i] = buf.readFloatLE(offset + 4 * i);
  return new ort.Tensor('float32', data, shape);
}

function writeNpy(file, tensor) {
  const dims = tensor.dims;
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
               dims.join(', ') + (dims.length === 1 ? ',' : '') + '), }';
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(4 * tensor.data.length);
  for (let i = 0; i < tensor.data.length; ++i) {
    data.writeFloatLE(tensor.data[i], 4 * i);
  }
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
                                        data]));
}

async function main() {
  const [model, outDir, ...inputs] = process.argv.slice(2);
  if (!model || !outDir || inputs.length === 0) {
    throw new Error('usage: run_ort.js MODEL.onnx OUT_DIR IN_0.npy ...');
  }
  const session = await ort.InferenceSession.create(model);
  if (inputs.length !== session.inputNames.length) {
    throw new Error('the model has ' + session.inputNames.length +
                    ' inputs, ' + inputs.length + ' were given');
  }
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = readNpy(inputs[i]); });
  const results = await session.run(feeds);
  session.outputNames.forEach((name, k) => {
    writeNpy(path.join(outDir, 'output_' + k + '.npy'), results[name]);
    console.log('output ' + k + ' ' + name + ' [' + results[name].dims + ']');
  });
}

main().catch((e) => {
  console.error('run_ort: ' + e.message);
  process.exit(1);
});
