// What the reference recorders of tools/detect/ share: reading an 8-bit PPM, loading a TensorFlow.js graph model
// from local files (with the command line MODEL_JSON INPUT_PPM), the record's header, and summarising a tensor
// (shape, sum, sum of absolute values, evenly spaced samples).
'use strict';
const fs = require('fs');
const path = require('path');

const SAMPLES = 48;

function readPpm(file) {
  const bytes = fs.readFileSync(file);
  const header = bytes.toString('latin1', 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  if (!header || header[3] !== '255') throw new Error(file + ': not an 8-bit binary PPM');
  const [width, height] = [Number(header[1]), Number(header[2])];
  return { width, height, pixels: bytes.subarray(header[0].length, header[0].length + width * height * 3) };
}

function fileHandler(modelJson) {
  const folder = path.dirname(modelJson);
  const model = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  return {
    load: async () => {
      const weightSpecs = [];
      const shards = [];
      for (const group of model.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) shards.push(fs.readFileSync(path.join(folder, p)));
      }
      const all = Buffer.concat(shards);
      return {
        modelTopology: model.modelTopology, format: model.format, generatedBy: model.generatedBy,
        convertedBy: model.convertedBy, signature: model.signature, weightSpecs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

function summary(values, shape) {
  let sum = 0, absSum = 0;
  for (const v of values) { sum += v; absSum += Math.abs(v); }
  const samples = [];
  for (let k = 0; k < SAMPLES; ++k) {
    const index = Math.floor(k * (values.length - 1) / (SAMPLES - 1));
    samples.push([index, values[index]]);
  }
  return { shape, sum, absSum, samples };
}

// The model and the image named on the command line, on TensorFlow.js's pure JavaScript CPU backend.
async function loadModelAndImage(tf, converter, script) {
  const [modelJson, inputPpm] = process.argv.slice(2);
  if (!modelJson || !inputPpm) throw new Error(`usage: ${script} MODEL_JSON INPUT_PPM`);
  await tf.setBackend('cpu');
  const model = await converter.loadGraphModel(fileHandler(modelJson));
  return { modelJson, inputPpm, model, image: readPpm(inputPpm) };
}

// What every record starts with: how, with which model and on which input it was made.
function recordHeader(tf, modelJson, inputPpm) {
  return {
    recordedWith: `TensorFlow.js ${tf.version_core} (tfjs-backend-cpu), Node ${process.version}`,
    model: path.basename(path.dirname(modelJson)) + '/' + path.basename(modelJson),
    input: path.basename(inputPpm),
  };
}

module.exports = { readPpm, fileHandler, summary, loadModelAndImage, recordHeader };
