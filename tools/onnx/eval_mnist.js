// tools/onnx/eval_mnist.js: the test-set accuracy of an ONNX classifier in
// ONNX Runtime (CPU), on an MNIST-format IDX directory, with the pixels
// scaled as dagrad's examples scale them (value / 255, float32, NCHW
// [N,1,28,28]). The model's first output is read as scores [N, classes];
// the prediction is the first maximum, as dagrad's accuracy counts it.
//
//   node tools/onnx/eval_mnist.js MODEL.onnx [DATA_DIR] [--flat]
//
// DATA_DIR defaults to /usr/share/datasets/fashion-mnist (t10k-images-
// idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). --flat feeds [N,784]
// instead, for models that take flattened images. Prints
//   test_acc=0.8941 examples=10000
// and exits 1 with a message on any error.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

function readIdx(dir, stem) {
  const gz = path.join(dir, stem + '.gz');
  const buf = fs.existsSync(gz) ? zlib.gunzipSync(fs.readFileSync(gz))
                                : fs.readFileSync(path.join(dir, stem));
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 8) {
    throw new Error(stem + ': not an unsigned-byte IDX file');
  }
  const rank = buf[3];
  const dims = [];
  for (let i = 0; i < rank; ++i) dims.push(buf.readUInt32BE(4 + 4 * i));
  return {dims, data: buf.subarray(4 + 4 * rank)};
}

async function main() {
  const args = process.argv.slice(2);
  const flat = args.includes('--flat');
  const [model, dir = '/usr/share/datasets/fashion-mnist'] =
      args.filter((a) => a !== '--flat');
  if (!model) throw new Error('usage: eval_mnist.js MODEL.onnx [DATA_DIR]');
  const images = readIdx(dir, 't10k-images-idx3-ubyte');
  const labels = readIdx(dir, 't10k-labels-idx1-ubyte');
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) throw new Error('image and label counts differ');
  const session = await ort.InferenceSession.create(model);
  const batch = 500;
  let correct = 0;
  for (let begin = 0; begin < n; begin += batch) {
    const size = Math.min(batch, n - begin);
    const x = new Float32Array(size * h * w);
    // dagrad's float32 pixel * float32(1/255), rounded once to float32: the
    // double product of the two is exact, so this is the same value.
    const scale = Math.fround(1.0 / 255.0);
    for (let i = 0; i < x.length; ++i) {
      x[i] = images.data[begin * h * w + i] * scale;
    }
    const dims = flat ? [size, h * w] : [size, 1, h, w];
    const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', x, dims)};
    const out = (await session.run(feeds))[session.outputNames[0]];
    const classes = out.dims[1];
    for (let r = 0; r < size; ++r) {
      let best = 0;
      for (let c = 1; c < classes; ++c) {
        if (out.data[r * classes + c] > out.data[r * classes + best]) best = c;
      }
      if (best === labels.data[begin + r]) ++correct;
    }
  }
  console.log('test_acc=' + (correct / n).toFixed(4) + ' examples=' + n);
}

main().catch((e) => {
  console.error('eval_mnist: ' + e.message);
  process.exit(1);
});
