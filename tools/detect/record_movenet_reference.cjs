// Records reference outputs of a MoveNet TensorFlow.js graph model with TensorFlow.js itself (pure JavaScript
// CPU backend), for the whole-model test of core/detect (tests/data/detect/README.md says how it was run).
//
//   NODE_PATH=<folder with node_modules> node record_movenet_reference.cjs MODEL_JSON INPUT_PPM > out.json
//
// needs @tensorflow/tfjs-core, @tensorflow/tfjs-backend-cpu and @tensorflow/tfjs-converter (4.x). Prints JSON:
// the model's output (all values) and, for a few intermediate nodes, their shape, sum, sum of absolute values
// and 48 values sampled at evenly spaced flat indices (the probes that the model has: MultiPose lacks some).
'use strict';
const fs = require('fs');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const converter = require('@tensorflow/tfjs-converter');
const { summary, loadModelAndImage, recordHeader } = require('./reference_common.cjs');

const PREFIX = 'StatefulPartitionedCall/';
const FEATURES = PREFIX + 'center_net_mobile_net_v2fpn_feature_extractor/model_1/';
const PROBES = [
  FEATURES + 'model/Conv1_relu/Relu6',                  // stride-2 convolution, asymmetric SAME padding
  FEATURES + 'model/block_1_depthwise/depthwise',      // fused depthwise convolution, stride 2
  FEATURES + 'model/block_16_project_BN/FusedBatchNormV3',
  FEATURES + 'up_sampling2d/resize/ResizeBilinear',
  FEATURES + 're_lu_2/Relu',
  PREFIX + 'Sigmoid',                                   // keypoint heatmaps
  PREFIX + 'Sigmoid_1',                                 // person centre heatmap
  PREFIX + 'kpt_regress_0/conv2d_6/BiasAdd',
  PREFIX + 'kpt_offset_0/conv2d_7/BiasAdd',
];

async function main() {
  const { modelJson, inputPpm, model, image } = await loadModelAndImage(tf, converter, 'record_movenet_reference.cjs');
  const input = tf.tensor4d(Int32Array.from(image.pixels), [1, image.height, image.width, 3], 'int32');
  const present = new Set(JSON.parse(fs.readFileSync(modelJson, 'utf8')).modelTopology.node.map((n) => n.name));
  const probes = PROBES.filter((name) => present.has(name));
  const outputs = model.execute({ input }, ['Identity', ...probes]);
  const record = {
    ...recordHeader(tf, modelJson, inputPpm),
    output: { shape: outputs[0].shape, values: Array.from(outputs[0].dataSync()) },
    probes: {},
  };
  probes.forEach((name, k) => {
    record.probes[name] = summary(outputs[k + 1].dataSync(), outputs[k + 1].shape);
  });
  process.stdout.write(JSON.stringify(record, null, 1) + '\n');
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
