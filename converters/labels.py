"""Class names for the labels.txt beside a classifier (install.py writes it).

The 1000 ImageNet names in the standard order come from npm @tensorflow-models/mobilenet
(Apache-2.0), file dist/imagenet_classes.js: a JS object literal `{0: 'tench, ...', ...}`
whose long names are split into 'a' + 'b' concatenations. No PyPI package ships the list
as data, and the product must not depend on test fixtures.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from converters import npm_package
from converters.console import ConverterError

MOBILENET_PACKAGE = ("@tensorflow-models/mobilenet", "2.1.1")
CLASSES_FILE = "package/dist/imagenet_classes.js"

# One entry: `123: 'text' + 'more text',` with either quote style.
_ENTRY = re.compile(r"""(\d+)\s*:\s*((?:(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\+?\s*)+)""")
_STRING = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")


def parse_imagenet_classes_js(source: str) -> list[str]:
    """The class names in index order from the text of imagenet_classes.js."""
    names = {}
    for index, value in _ENTRY.findall(source):
        # JS and Python single/double-quoted literals escape alike for this file.
        names[int(index)] = "".join(ast.literal_eval(s) for s in _STRING.findall(value))
    if sorted(names) != list(range(len(names))) or len(names) != 1000:
        raise ConverterError(f"unexpected imagenet_classes.js: {len(names)} entries")
    return [names[i] for i in range(len(names))]


def imagenet() -> list[str]:
    path = npm_package.extract(*MOBILENET_PACKAGE, [CLASSES_FILE])[CLASSES_FILE]
    return parse_imagenet_classes_js(path.read_text(encoding="utf-8"))


LABEL_LISTS = {"imagenet": imagenet}


def read_file(path: Path) -> list[str]:
    """A user's labels file: one class name per line, in output order."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ConverterError(f"cannot read labels file {path}: {error.strerror}") from None
    return [line for line in lines if line.strip()]


def load(source: str) -> list[str]:
    """The class names of a named list ("imagenet") or of a user's labels file path."""
    return LABEL_LISTS[source]() if source in LABEL_LISTS else read_file(Path(source))
