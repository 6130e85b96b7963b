// Layers API lesson: describe a model as layers, compile it with an optimizer and a loss,
// fit it to data, then ask it for predictions: the same steps as Keras in Python.
import { setupBackend } from '/static/backend.js';
import { lineChart } from '/static/chart.js';
import { demo, showError } from '/static/demo_state.js';
import { Stats } from '/static/stats.js';

const $ = (id) => document.getElementById(id);
const stats = new Stats();

// y grows by one with x: the model has to discover w = 1 and b = 1 from six examples.
const XS = [-1, 0, 1, 2, 3, 4];
const YS = [0, 1, 2, 3, 4, 5];

let model = null;
let training = false;

function buildModel(learningRate) {
  const model = tf.sequential();
  // One dense unit with one input is exactly y = w·x + b. A fixed seed makes every visit
  // start from the same w, so the lesson reads the same each time.
  model.add(tf.layers.dense({
    units: 1,
    inputShape: [1],
    kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
  }));
  // Stochastic gradient descent: after each pass, move w and b a small step (the learning
  // rate) against the gradient of the mean squared error.
  model.compile({ optimizer: tf.train.sgd(learningRate), loss: 'meanSquaredError' });
  return model;
}

function predict(x) {
  // predict() wants a batch: a [1, 1] tensor holding one example with one feature.
  // tf.tidy frees the input and output tensors once we have the number.
  return tf.tidy(() => model.predict(tf.tensor2d([[x]])).dataSync()[0]);
}

function drawFit() {
  const [w, b] = model.getWeights().map((t) => t.dataSync()[0]);
  const x0 = Math.min(...XS) - 1;
  const x1 = Math.max(...XS) + 2;
  lineChart($('fit-chart'), [
    { points: [[x0, w * x0 + b], [x1, w * x1 + b]], color: '#e8710a' },
    { points: XS.map((x, i) => [x, YS[i]]), color: '#0b63c5', dots: true },
  ], { xLabel: 'x', yLabel: 'y', yMin: Math.min(0, w * x0 + b) });
  $('weights').textContent = `w = ${w.toFixed(3)}, b = ${b.toFixed(3)}`;
}

function showPrediction() {
  const x = Number($('x').value);
  if (!Number.isFinite(x)) {
    $('y').textContent = 'type a number';
    return;
  }
  const y = predict(x);
  $('y').textContent = y.toFixed(3);
  demo.result = { ...demo.result, prediction: { x, y } };
}

async function train() {
  if (training) return;
  training = true;
  $('train').disabled = true;
  const epochs = Math.max(1, Math.min(2000, Number($('epochs').value) || 200));
  const learningRate = Number($('learning-rate').value) || 0.05;
  $('code-epochs').textContent = epochs;
  $('code-lr').textContent = learningRate;
  // A new model each time. dispose() frees the old weights; an optimizer we made ourselves
  // (rather than naming it, 'sgd') belongs to us, so we free its state too.
  model?.optimizer.dispose();
  model?.dispose();
  model = buildModel(learningRate);

  // Tensors with shape [6, 1]: six examples, one feature each.
  const xs = tf.tensor2d(XS, [XS.length, 1]);
  const ys = tf.tensor2d(YS, [YS.length, 1]);
  const losses = [];
  demo.result = { epoch: 0, loss: null, lossHistory: losses, prediction: null };
  stats.reset();
  stats.begin();
  await model.fit(xs, ys, {
    epochs,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        stats.end();
        losses.push(logs.loss);
        Object.assign(demo.result, { epoch: epoch + 1, loss: logs.loss });
        $('status').textContent = `epoch ${epoch + 1} / ${epochs} · loss ${logs.loss.toFixed(5)}`;
        // Redraw every few epochs and let the browser paint: fit() would otherwise run
        // to the end before the page shows anything.
        if (epoch % 5 === 0 || epoch === epochs - 1) {
          lineChart($('loss-chart'), [{ points: losses.map((l, i) => [i + 1, l]) }], { xLabel: 'epoch', yLabel: 'loss (log scale)', logY: true });
          drawFit();
          await tf.nextFrame();
        }
        stats.begin();
      },
    },
  });
  tf.dispose([xs, ys]);
  showPrediction();
  stats.render();
  training = false;
  $('train').disabled = false;
}

function showData() {
  const row = (name, values) => `<tr><th>${name}</th>${values.map((v) => `<td>${v}</td>`).join('')}</tr>`;
  $('data-table').innerHTML = row('x', XS) + row('y', YS);
}

async function main() {
  const { backend, note } = await setupBackend();
  stats.setBackend(backend, note);
  showData();
  $('train').addEventListener('click', () => train().catch(showError));
  $('x').addEventListener('input', () => model && !training && showPrediction());
  await train();
  demo.ready = true;
}

main().catch(showError);
