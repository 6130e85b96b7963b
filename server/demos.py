"""Demo discovery: every folder under demos/ with a demo.toml is a demo.

Adding a demo means adding one folder; this module is why nothing else has to change.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import markdown

from server.vendor import OPTIONAL_SCRIPTS

DEMO_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DemoError(ValueError):
    """A demo folder whose manifest is missing or wrong."""


@dataclass(frozen=True)
class Demo:
    name: str
    title: str
    summary: str
    folder: Path
    order: int = 100
    tags: tuple[str, ...] = ()
    # Models the demo needs: ids of installed models (the first is the default).
    models: tuple[str, ...] = ()
    # Any installed model whose manifest has this task also works in the demo.
    model_task: str | None = None
    needs_camera: bool = False
    needs_server: bool = False
    # Libraries (server/vendor.py OPTIONAL_SCRIPTS) the page loads as <script> tags...
    scripts: tuple[str, ...] = ()
    # ...and those the demo's model code needs where inference runs: in the inference worker,
    # or on the page when it runs there (server/static/inference.js).
    inference_scripts: tuple[str, ...] = ()
    thumbnail: str = "thumbnail.svg"
    lesson_html: str = field(default="", compare=False)

    @property
    def url(self) -> str:
        return f"/demos/{self.name}/"


def load_demo(folder: Path) -> Demo:
    name = folder.name
    if not DEMO_NAME.match(name):
        raise DemoError(f"{folder}: demo folder names are lower_snake_case")
    try:
        meta = tomllib.loads((folder / "demo.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DemoError(f"{folder}/demo.toml: {exc}") from exc
    for key in ("title", "summary"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise DemoError(f"{folder}/demo.toml: '{key}' is required")
    for key in ("scripts", "inference_scripts"):
        unknown_scripts = set(meta.get(key, [])) - OPTIONAL_SCRIPTS.keys()
        if unknown_scripts:
            raise DemoError(f"{folder}/demo.toml: unknown {key} {sorted(unknown_scripts)}")
    readme = folder / "README.md"
    lesson = (
        markdown.markdown(readme.read_text(encoding="utf-8"), extensions=["fenced_code", "tables"])
        if readme.exists()
        else ""
    )
    return Demo(
        name=name,
        title=meta["title"],
        summary=meta["summary"],
        folder=folder,
        order=int(meta.get("order", 100)),
        tags=tuple(meta.get("tags", [])),
        models=tuple(meta.get("models", [])),
        model_task=meta.get("model_task"),
        needs_camera=bool(meta.get("needs_camera", False)),
        needs_server=bool(meta.get("needs_server", False)),
        scripts=tuple(meta.get("scripts", [])),
        inference_scripts=tuple(meta.get("inference_scripts", [])),
        thumbnail=meta.get("thumbnail", "thumbnail.svg"),
        lesson_html=lesson,
    )


def discover_demos(demos_dir: Path) -> dict[str, Demo]:
    """All demos, in gallery order."""
    demos = [
        load_demo(folder)
        for folder in sorted(demos_dir.iterdir())
        if folder.is_dir() and (folder / "demo.toml").exists()
    ]
    demos.sort(key=lambda d: (d.order, d.name))
    return {demo.name: demo for demo in demos}
