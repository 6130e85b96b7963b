// Reading tensors from text boxes and printing them back, for the playground.

export function parseValues(text, name) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`Tensor ${name} is not a list of numbers like [1, 2, 3] or [[1, 2], [3, 4]].`);
  }
  checkNumbers(value, name);
  return value;
}

function checkNumbers(value, name) {
  if (Array.isArray(value)) {
    value.forEach((v) => checkNumbers(v, name));
  } else if (typeof value !== 'number') {
    throw new Error(`Tensor ${name} holds ${JSON.stringify(value)}, which is not a number.`);
  }
}

export function parseShape(text, what) {
  const dims = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!dims.length || dims.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new Error(`${what} must be whole numbers separated by commas, like 2, 3 (-1: infer).`);
  }
  return dims;
}

export function parseAxis(text) {
  if (!text) return undefined;
  const axes = parseShape(text, 'The axis');
  return axes.length === 1 ? axes[0] : axes;
}

function formatNumber(x) {
  if (Number.isInteger(x)) return String(x);
  return Number(x.toFixed(4)).toString();
}

// Nested lists, one row per line, like numpy prints them.
export function formatTensor(tensor) {
  const values = tensor.arraySync();
  const format = (v, depth) => {
    if (!Array.isArray(v)) return formatNumber(v);
    if (!v.length || !Array.isArray(v[0])) return `[${v.map((x) => format(x, depth + 1)).join(', ')}]`;
    return `[${v.map((x, i) => (i ? ' '.repeat(depth + 1) : '') + format(x, depth + 1)).join(',\n')}]`;
  };
  return format(values, 0);
}
