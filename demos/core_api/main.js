// Core API lesson: tensors are n-dimensional arrays with a shape and a dtype, and ops make
// new tensors from old ones. Everything here runs on the backend that backend.js picked.
import { setupBackend } from '/static/backend.js';
import { demo, showError } from '/static/demo_state.js';
import { Stats } from '/static/stats.js';
import { formatTensor, parseShape, parseAxis, parseValues } from './tensor_text.js';

const stats = new Stats();
const $ = (id) => document.getElementById(id);

// ---- 1. The classic first lesson ----------------------------------------------------------
function firstLesson() {
  const a = tf.tensor1d([1, 2, 3, 4]);
  const b = tf.tensor1d([10, 20, 30, 40]);
  const sum = a.add(b); // [11, 22, 33, 44]
  const product = a.mul(b); // [10, 40, 90, 160]
  for (const [name, t] of Object.entries({ a, b, add: sum, mul: product })) {
    document.querySelector(`[data-testid="${name}"]`).textContent = formatTensor(t);
  }
  // arraySync() copies the values out of the backend; afterwards the tensors can go.
  const result = { add: sum.arraySync(), mul: product.arraySync() };
  tf.dispose([a, b, sum, product]);
  return result;
}

// ---- 2. The playground ----------------------------------------------------------------------
// Each op: how many tensors it takes, what its extra argument means, the code it stands for.
const OPS = {
  add: { group: 'Element-wise', inputs: 2, run: (a, b) => tf.add(a, b),
    help: 'Adds element by element. Shapes must match or broadcast: a size-1 or missing dimension is stretched.' },
  sub: { group: 'Element-wise', inputs: 2, run: (a, b) => tf.sub(a, b), help: 'Subtracts element by element (broadcasting).' },
  mul: { group: 'Element-wise', inputs: 2, run: (a, b) => tf.mul(a, b), help: 'Multiplies element by element (broadcasting); not the matrix product.' },
  div: { group: 'Element-wise', inputs: 2, run: (a, b) => tf.div(a, b), help: 'Divides element by element (broadcasting).' },
  maximum: { group: 'Element-wise', inputs: 2, run: (a, b) => tf.maximum(a, b), help: 'The larger of each pair (broadcasting).' },
  matMul: { group: 'Matrices', inputs: 2, run: (a, b) => tf.matMul(a, b),
    help: 'Matrix product: [m, k] × [k, n] → [m, n]. The inner dimensions (k) must be equal.' },
  transpose: { group: 'Matrices', inputs: 1, run: (a) => tf.transpose(a), help: 'Swaps rows and columns (reverses the axes).' },
  sum: { group: 'Reductions', inputs: 1, arg: 'axis', run: (a, _, axis) => tf.sum(a, axis),
    help: 'Adds along an axis (empty: all of them). The axis disappears from the shape.' },
  mean: { group: 'Reductions', inputs: 1, arg: 'axis', run: (a, _, axis) => tf.mean(a, axis), help: 'Average along an axis (empty: all).' },
  max: { group: 'Reductions', inputs: 1, arg: 'axis', run: (a, _, axis) => tf.max(a, axis), help: 'Largest value along an axis (empty: all).' },
  argMax: { group: 'Reductions', inputs: 1, arg: 'axis', run: (a, _, axis) => tf.argMax(a, axis ?? 0),
    help: 'Index of the largest value along one axis (default 0): how a classifier picks its answer.' },
  reshape: { group: 'Shapes', inputs: 1, arg: 'shape', run: (a, _, shape) => tf.reshape(a, shape),
    help: 'Same values, new shape; the sizes must multiply to the same count. -1 means "whatever fits".' },
  expandDims: { group: 'Shapes', inputs: 1, arg: 'axis', run: (a, _, axis) => tf.expandDims(a, axis ?? 0),
    help: 'Adds a size-1 axis: how one image becomes a batch of one ([h, w, 3] → [1, h, w, 3]).' },
  square: { group: 'Functions', inputs: 1, run: (a) => tf.square(a), help: 'x² for every element.' },
  relu: { group: 'Functions', inputs: 1, run: (a) => tf.relu(a), help: 'max(x, 0): the activation of most hidden layers.' },
  sigmoid: { group: 'Functions', inputs: 1, run: (a) => tf.sigmoid(a), help: '1 / (1 + e^-x): squashes into (0, 1).' },
  softmax: { group: 'Functions', inputs: 1, run: (a) => tf.softmax(a),
    help: 'Turns the last axis into probabilities that sum to 1: how logits become a classifier\'s answer.' },
};

const EXAMPLES = [
  { label: 'Broadcast a row', a: '[[1, 2, 3], [4, 5, 6]]', b: '[10, 20, 30]', op: 'add' },
  { label: 'Broadcast a column', a: '[[1, 2, 3], [4, 5, 6]]', b: '[[100], [200]]', op: 'add' },
  { label: 'Shapes that do not broadcast', a: '[1, 2, 3]', b: '[1, 2]', op: 'add' },
  { label: 'matMul', a: '[[1, 2], [3, 4]]', b: '[[5, 6], [7, 8]]', op: 'matMul' },
  { label: 'matMul with mismatched inner sizes', a: '[[1, 2, 3], [4, 5, 6]]', b: '[[1, 2], [3, 4]]', op: 'matMul' },
  { label: 'Sum each row', a: '[[1, 2, 3], [4, 5, 6]]', op: 'sum', arg: '1' },
  { label: 'Reshape a flat list', a: '[1, 2, 3, 4, 5, 6]', op: 'reshape', arg: '3, 2' },
  { label: 'Softmax of logits', a: '[2, 1, 0.1]', op: 'softmax' },
];

// Make tensor `a` or `b` from its text box, optional shape and dtype.
function tensorFromInputs(name) {
  const values = parseValues($(`${name}-values`).value, name);
  const shapeText = $(`${name}-shape`).value.trim();
  const shape = shapeText ? parseShape(shapeText, `${name}'s shape`) : undefined;
  return tf.tensor(values, shape, $(`${name}-dtype`).value);
}

function codeFor(opName, op, argText) {
  const args = op.inputs === 2 ? 'a, b' : 'a';
  const extra = op.arg === 'shape' ? `, [${argText}]` : op.arg && argText ? `, ${argText.includes(',') ? `[${argText}]` : argText}` : '';
  return `tf.${opName}(${args}${extra})`;
}

function runPlayground() {
  const opName = $('op').value;
  const op = OPS[opName];
  const argText = $('arg').value.trim();
  $('code').textContent = codeFor(opName, op, argText);
  stats.begin();
  const outcome = { op: opName, code: $('code').textContent, shape: null, dtype: null, values: null, error: null };
  try {
    const arg = op.arg === 'shape' ? parseShape(argText, 'the new shape') : op.arg ? parseAxis(argText) : undefined;
    // tf.tidy disposes every tensor created inside it except the one returned, so a wrong
    // input or a failing op never leaks memory.
    const result = tf.tidy(() => {
      const a = tensorFromInputs('a');
      const b = op.inputs === 2 ? tensorFromInputs('b') : null;
      return op.run(a, b, arg);
    });
    Object.assign(outcome, { shape: result.shape, dtype: result.dtype, values: result.arraySync() });
    $('result').textContent = formatTensor(result);
    $('result').classList.remove('bad');
    $('result-meta').textContent = `shape [${result.shape.join(', ')}] · dtype ${result.dtype} · ${result.size} value${result.size === 1 ? '' : 's'}`;
    result.dispose();
  } catch (error) {
    outcome.error = error.message;
    $('result').textContent = `Error: ${error.message}`;
    $('result').classList.add('bad');
    $('result-meta').textContent = 'No tensor was made; nothing leaked (see the tensor count).';
  }
  stats.end();
  stats.render();
  demo.result = { ...demo.result, playground: outcome };
}

function showOp() {
  const op = OPS[$('op').value];
  $('b-fieldset').disabled = op.inputs < 2;
  $('arg-label').hidden = !op.arg;
  $('arg-label').firstChild.textContent = `${op.arg ?? 'axis'} `;
  $('op-help').textContent = op.help;
}

function buildControls() {
  const groups = {};
  for (const [name, op] of Object.entries(OPS)) {
    groups[op.group] ??= Object.assign(document.createElement('optgroup'), { label: op.group });
    groups[op.group].append(new Option(name, name));
  }
  $('op').append(...Object.values(groups));
  $('op').value = 'add';
  for (const example of EXAMPLES) {
    const button = Object.assign(document.createElement('button'), { className: 'secondary', textContent: example.label });
    button.addEventListener('click', () => {
      $('a-values').value = example.a;
      $('b-values').value = example.b ?? $('b-values').value;
      $('a-shape').value = $('b-shape').value = '';
      $('op').value = example.op;
      $('arg').value = example.arg ?? '';
      showOp();
      runPlayground();
    });
    $('examples').append(button);
  }
  $('op').addEventListener('change', () => { showOp(); runPlayground(); });
  $('run').addEventListener('click', runPlayground);
  showOp();
}

async function main() {
  const { backend, note } = await setupBackend();
  stats.setBackend(backend, note);
  demo.result = firstLesson();
  buildControls();
  runPlayground();
  demo.ready = true;
}

main().catch(showError);
