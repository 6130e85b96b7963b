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


# The 80 COCO detection classes in the order detectors trained on COCO output them
# (NanoDet, YOLO, ...): npm @tensorflow-models/coco-ssd (Apache-2.0), dist/classes.js, maps
# COCO's own category ids (1..90, with 10 unused) to names; sorted by id they are that order.
COCO_SSD_PACKAGE = ("@tensorflow-models/coco-ssd", "2.2.3")
COCO_CLASSES_FILE = "package/dist/classes.js"
_COCO_ENTRY = re.compile(r"""id:\s*(\d+),\s*displayName:\s*'([^']+)'""")


def parse_coco_classes_js(source: str) -> list[str]:
    found = {int(i): name for i, name in _COCO_ENTRY.findall(source)}
    if len(found) != 80:
        raise ConverterError(f"unexpected coco-ssd classes.js: {len(found)} classes, expected 80")
    return [found[i] for i in sorted(found)]


def coco() -> list[str]:
    path = npm_package.extract(*COCO_SSD_PACKAGE, [COCO_CLASSES_FILE])[COCO_CLASSES_FILE]
    return parse_coco_classes_js(path.read_text(encoding="utf-8"))


LABEL_LISTS = {"imagenet": imagenet, "coco": coco}


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
