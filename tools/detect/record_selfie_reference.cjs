// Records reference outputs of the selfie segmentation TensorFlow.js graph model (models/selfie/) with
// TensorFlow.js itself (pure JavaScript CPU backend), for the whole-model test of detect::PersonSegmenter.
//
//   NODE_PATH=<folder with node_modules> node record_selfie_reference.cjs MODEL_JSON INPUT_PPM > out.json
//
// needs @tensorflow/tfjs-core, @tensorflow/tfjs-backend-cpu and @tensorflow/tfjs-converter (4.x). The input is
// an 8-bit 256 x 256 PPM, fed as RGB in [0, 1] as PersonSegmenter does. Prints JSON: for the output mask and a
// few intermediate nodes (the operations MoveNet does not have), their shape, sum, sum of absolute values and
// 48 values sampled at evenly spaced flat indices.
'use strict';
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const converter = require('@tensorflow/tfjs-converter');
const { summary, loadModelAndImage, recordHeader } = require('./reference_common.cjs');

const OUTPUT = 'activation_10';
const PROBES = [
  'average_pooling2d_avgpool/AvgPool',           // AvgPool, SAME padding not counted
  'up_sampling2d_lambda/resize/ResizeBilinear',
  'segment',                                      // Conv2DBackpropInput, the learnt up-sampling
];

async function main() {
  const { modelJson, inputPpm, model, image } = await loadModelAndImage(tf, converter, 'record_selfie_reference.cjs');
  const rgb = Float32Array.from(image.pixels, (v) => v / 255);
  const input = tf.tensor4d(rgb, [1, image.height, image.width, 3], 'float32');
  const names = [OUTPUT, ...PROBES];
  const outputs = model.execute({ input_1: input }, names);
  const record = {
    ...recordHeader(tf, modelJson, inputPpm),
    nodes: {},
  };
  names.forEach((name, k) => { record.nodes[name] = summary(outputs[k].dataSync(), outputs[k].shape); });
  process.stdout.write(JSON.stringify(record, null, 1) + '\n');
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
