"""Run TF.js models in Node through tfjs_runner.mjs: the real TF.js runtime, from Python.

tfjs-node cannot be installed on these machines, so the runner uses pure @tensorflow/tfjs
with the wasm backend (the one the browser demos prefer) or cpu. Tensors cross the
process boundary as raw little-endian bytes in a temporary folder.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from converters.console import ConverterError

RUNNER = Path(__file__).with_name("tfjs_runner.mjs")
TIMEOUT_SECONDS = 900


@dataclasses.dataclass
class Run:
    outputs: list[np.ndarray]
    names: list[str]
    ms: float


@dataclasses.dataclass
class Result:
    backend: str
    load_ms: float
    runs: list[Run]


def run(model_dir: Path, fmt: str, inputs: list[np.ndarray], backend: str = "wasm") -> Result:
    """Load model_dir/model.json in TF.js and feed it each array in `inputs` in turn."""
    node = shutil.which("node")
    if node is None:
        raise ConverterError("node is not installed; it runs the TF.js side of the check")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        specs, offset = [], 0
        with open(tmp / "inputs.bin", "wb") as f:
            for x in inputs:
                x = np.ascontiguousarray(x, dtype=x.dtype.newbyteorder("<"))
                specs.append({"dtype": x.dtype.name, "shape": list(x.shape), "offset": offset})
                f.write(x.tobytes())
                offset += x.nbytes
        request = {
            "model": str(Path(model_dir).resolve() / "model.json"),
            "format": fmt,
            "backend": backend,
            "inputs": str(tmp / "inputs.bin"),
            "runs": specs,
            "outputs": str(tmp / "outputs.bin"),
            "result": str(tmp / "result.json"),
        }
        (tmp / "request.json").write_text(json.dumps(request))
        done = subprocess.run(
            [node, str(RUNNER), str(tmp / "request.json")], capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            detail = next((line for line in lines if line.startswith("tfjs_runner:")), lines[0] if lines else "")
            if "Cannot find package '@tensorflow" in done.stderr:
                detail += " (run `npm install` in the repository first)"
            raise ConverterError(f"TF.js could not run the model: {detail.removeprefix('tfjs_runner: ')}")
        result = json.loads((tmp / "result.json").read_text())
        blob = (tmp / "outputs.bin").read_bytes()
    runs = []
    for r in result["runs"]:
        arrays = []
        for o in r["outputs"]:
            count = int(np.prod(o["shape"], dtype=np.int64))
            dtype = np.dtype("<i4") if o["dtype"] == "int32" else np.dtype("<f4")
            arrays.append(np.frombuffer(blob, dtype, count, o["offset"]).reshape(o["shape"]))
        runs.append(Run(arrays, [o["name"] for o in r["outputs"]], r["ms"]))
    return Result(result["backend"], result["load_ms"], runs)


def check_loads(model_dir: Path, fmt: str) -> None:
    """Fail now, not in the browser, if TF.js cannot load what we wrote (e.g. a layer it lacks)."""
    try:
        run(model_dir, fmt, [])
    except ConverterError as error:
        detail = str(error).removeprefix("TF.js could not run the model: ").removeprefix("Error: ")
        detail = detail.split(". ")[0]  # "Unknown layer: Lambda. This may be due to ..." -> first sentence
        hint = (
            "Custom and Lambda layers have no TF.js implementation; rebuild the model from built-in layers"
            if "Unknown layer" in detail
            else "try --to graph"
        )
        raise ConverterError(f"TF.js 4.22 cannot load the converted model: {detail}. {hint}") from None
