// Run a TF.js model from disk with the real TF.js runtime, for `python -m converters verify`.
//
//   node converters/tfjs_runner.mjs request.json
//
// Python writes request.json and a binary file of input tensors; this script loads the
// model with @tensorflow/tfjs (the same library the browser demos use), runs every input
// through it and writes the raw output tensors to a binary file plus a JSON index.
// Nothing goes to stdout on purpose: tfjs prints its own notices there.
//
// request.json:
//   {"model": "/abs/models/x/model.json", "format": "graph" | "layers",
//    "backend": "wasm" | "cpu",
//    "inputs": "/abs/inputs.bin",            // tensors back to back, little-endian
//    "runs": [{"dtype": "float32", "shape": [1, 224, 224, 3], "offset": 0}, ...],
//    "outputs": "/abs/outputs.bin", "result": "/abs/result.json"}
// result.json:
//   {"backend": "wasm", "load_ms": 120,
//    "runs": [{"ms": 35, "outputs": [{"name": "Identity:0", "dtype": "float32",
//                                     "shape": [1, 1000], "offset": 0}]}]}

import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const TYPED_ARRAYS = {float32: Float32Array, int32: Int32Array};

// An IOHandler that reads model.json and its weight shards with fs: @tensorflow/tfjs
// alone only knows http(s) and browser storage, and tfjs-node cannot be installed here.
function fileHandler(modelJsonPath) {
  const folder = path.dirname(modelJsonPath);
  return {
    async load() {
      const modelJSON = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
      return tf.io.getModelArtifactsForJSON(modelJSON, async (weightsManifest) => {
        const specs = [];
        const buffers = [];
        for (const group of weightsManifest) {
          specs.push(...group.weights);
          for (const shard of group.paths) {
            const bytes = fs.readFileSync(path.join(folder, shard));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

function readTensor(buffer, {dtype, shape, offset}) {
  const Typed = TYPED_ARRAYS[dtype];
  if (!Typed) throw new Error(`unsupported input dtype ${dtype}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const copy = buffer.buffer.slice(buffer.byteOffset + offset,
                                   buffer.byteOffset + offset + count * Typed.BYTES_PER_ELEMENT);
  return tf.tensor(new Typed(copy), shape, dtype);
}

async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  await tf.setBackend(request.backend || 'wasm');
  await tf.ready();

  let started = performance.now();
  const model = request.format === 'layers'
    ? await tf.loadLayersModel(fileHandler(request.model))
    : await tf.loadGraphModel(fileHandler(request.model));
  const loadMs = performance.now() - started;

  // Graph models name their outputs by graph node; layers models by output layer.
  const outputNames = request.format === 'layers'
    ? model.outputs.map((t) => t.name)
    : model.outputNodes;

  const inputs = fs.readFileSync(request.inputs);
  const chunks = [];
  let written = 0;
  const runs = [];
  for (const run of request.runs) {
    const x = readTensor(inputs, run);
    started = performance.now();
    // executeAsync handles graph models with control flow or dynamic shapes (MoveNet
    // MultiPose); predict is the only entry point for layers models.
    let y = request.format === 'layers' ? model.predict(x) : await model.executeAsync(x);
    const ys = Array.isArray(y) ? y : [y];
    const outputs = [];
    for (const [i, t] of ys.entries()) {
      const data = await t.data();
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      outputs.push({name: outputNames[i], dtype: t.dtype, shape: t.shape, offset: written});
      chunks.push(bytes);
      written += bytes.length;
    }
    runs.push({ms: performance.now() - started, outputs});
    tf.dispose([x, ...ys]);
  }
  fs.writeFileSync(request.outputs, Buffer.concat(chunks));
  fs.writeFileSync(request.result, JSON.stringify({backend: tf.getBackend(), load_ms: loadMs, runs}));
}

main().catch((error) => {
  process.stderr.write(`tfjs_runner: ${error.stack || error}\n`);
  process.exit(1);
});
