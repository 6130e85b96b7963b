"""python -m converters {list,pull,train,convert,import,verify,defaults}: the command line.

Also installed as `tfjs-gallery-convert` (pyproject's [project.scripts]). Results go to
stdout, progress to stderr. Expected failures (ConverterError) print one clear message
and exit 1; argparse usage errors exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import metadata
from pathlib import Path

from converters import catalog, paths, sources
from converters.console import ConverterError
from server import manifest

QUANTIZATIONS = ("float16", "uint8")
# `train <recipe>` is `pull <id>` under the names the demos' lessons use.
TRAIN_ALIASES = {"mnist": "mnist-cnn", "quickdraw": "quickdraw-cnn"}


def version() -> str:
    try:
        ours = metadata.version("tfjs-gallery")
    except metadata.PackageNotFoundError:
        ours = "(not pip-installed: running from a checkout)"
    tools = ", ".join(f"{name} {v}" for name, v in manifest.tool_versions().items())
    return f"tfjs-gallery {ours}" + (f"; {tools}" if tools else "")


class _PrintVersion(argparse.Action):
    """--version, printed as is (argparse's own "version" action re-wraps the line)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version())
        parser.exit()


def _prog() -> str:
    """'python -m converters' when run so, else the script's name (tfjs-gallery-convert)."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m converters" if name in ("", "__main__.py", "-m", "-c") else name


def _pull_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--quantize", choices=QUANTIZATIONS, help="store weights as float16 (half the bytes) or uint8 (a quarter)"
    )
    command.add_argument("--id", dest="new_id", help="install under this id instead")
    command.add_argument("--force", action="store_true", help="rebuild (or train again) even if installed")
    trained = command.add_argument_group("models trained here (" + ", ".join(TRAIN_ALIASES.values()) + ")")
    trained.add_argument("--epochs", type=int, help="default: the recipe's (mnist-cnn 6, quickdraw-cnn 40)")
    trained.add_argument(
        "--limit",
        type=int,
        help="train on fewer examples, for a quick try (mnist-cnn: digits; quickdraw-cnn: drawings per class)",
    )
    trained.add_argument("--seed", type=int, help="default 0: the same seed gives the same weights")


def _parser() -> argparse.ArgumentParser:
    # --models-dir goes before or after the command: each subcommand takes it too, with no
    # default of its own (SUPPRESS), so it overrides the main parser's value only when given.
    # (Two separate options: parsers made with parents= share the parent's option objects.)
    models_help = f"where models are installed (default: ${paths.MODELS_DIR_ENV}, else models/ in the repo)"
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--models-dir", type=Path, default=argparse.SUPPRESS, help=models_help)
    parser = argparse.ArgumentParser(
        prog=_prog(), description="Get pretrained models into TF.js form under models/<id>/, or train them here."
    )
    parser.add_argument("--models-dir", type=Path, default=None, help=models_help)
    parser.add_argument("--version", action=_PrintVersion, help="this package's and the converter stack's versions")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("list", parents=[where], help="every known model: task, source, licence, size, installed")

    pull = commands.add_parser(
        "pull", parents=[where], help="install a catalog model (fetched, converted or trained here) or a TF Hub handle"
    )
    pull.add_argument("target", help="a catalog id (see `list`) or a TF Hub handle (https://...)")
    _pull_options(pull)

    train = commands.add_parser("train", parents=[where], help="the same as `pull mnist-cnn` / `pull quickdraw-cnn`")
    train.add_argument(
        "recipe", choices=TRAIN_ALIASES, help="mnist: a CNN on 55,000 digits; quickdraw: a CNN on 100 sketch classes"
    )
    _pull_options(train)

    conv = commands.add_parser("convert", parents=[where], help="your Keras file (.h5/.keras) or SavedModel folder")
    conv.add_argument("path", type=Path)
    conv.add_argument(
        "--to",
        choices=("graph", "layers"),
        help="TF.js format (default: layers for Keras 2 files, graph for Keras 3 "
        "files and SavedModels; Keras 3 cannot become layers)",
    )
    conv.add_argument("--quantize", choices=QUANTIZATIONS)
    conv.add_argument("--id", dest="new_id", help="model id (default: from the file name)")
    conv.add_argument("--title")
    conv.add_argument("--task", default="custom", help="e.g. image-classification (default: custom)")
    conv.add_argument("--labels", type=Path, help="text file, one class name per line")
    conv.add_argument("--mean", type=float, default=0.0, help="input = (pixel - mean) / std")
    conv.add_argument("--std", type=float, default=1.0)
    conv.add_argument(
        "--activation",
        choices=("logits", "softmax", "none"),
        help="what the output is (default: read from the model, else none)",
    )
    conv.add_argument("--force", action="store_true")

    imp = commands.add_parser(
        "import", parents=[where], help="a Teachable Machine export (zip) or a TF.js model folder/zip with labels"
    )
    imp.add_argument("path", type=Path, help="my-model.zip, or a folder with model.json, weights and labels.txt")
    imp.add_argument("--id", dest="new_id", help="model id (default: from the file name)")
    imp.add_argument("--title")
    imp.add_argument("--mean", type=float, help="input = (pixel - mean) / std (default: Teachable Machine's 127)")
    imp.add_argument("--std", type=float, help="(default: 127)")
    imp.add_argument("--force", action="store_true", help="replace a model installed under the same id")

    ver = commands.add_parser(
        "verify", parents=[where], help="check hashes, labels, and TF.js against the original model"
    )
    ver.add_argument("ids", nargs="*", metavar="id", help="default: every installed model")
    ver.add_argument("--backend", choices=("wasm", "cpu"), default="wasm")

    defaults = commands.add_parser("defaults", parents=[where], help="install every model that needs no model hub")
    defaults.add_argument("--force", action="store_true")
    defaults.add_argument(
        "--no-train", dest="train", action="store_false", help="skip training the digit and sketch classifiers"
    )
    return parser


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def list_models(models_dir: Path) -> None:
    installed = manifest.installed(models_dir)
    rows = [("ID", "TASK", "SOURCE", "LICENCE", "SIZE", "INSTALLED")]
    for entry in catalog.CATALOG.values():
        found = installed.pop(entry.id, None)
        rows.append(
            (
                entry.id,
                entry.task,
                sources.describe(entry.source),
                entry.licence,
                _size(found["bytes"]) if found else "~" + _size(entry.approx_bytes),
                "yes" if found else ("no (defaults)" if entry.default else "no"),
            )
        )
    for model_id, found in installed.items():  # the user's own conversions
        rows.append(
            (
                model_id,
                found.get("task", "?"),
                sources.describe(found.get("source") or {}),
                found.get("licence", "?"),
                _size(found["bytes"]),
                "yes",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    print(f"\nmodels folder: {models_dir}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    models_dir = paths.models_dir(args.models_dir)
    try:
        if args.command == "list":
            list_models(models_dir)
            return 0
        if args.command == "import":  # needs no TensorFlow: files are checked, then copied
            from converters import import_zip

            found = import_zip.import_model(
                args.path, models_dir, args.new_id, args.title, args.mean, args.std, args.force
            )
            print(
                f"installed {found['id']}: {found['output']['classes']} classes "
                f"({found['source']['origin']}) in {models_dir / found['id']}"
            )
            return 0
        # Imported here: these reach TensorFlow, which `list` never needs.
        from converters import install, verify

        if args.command in ("pull", "train"):
            target = TRAIN_ALIASES[args.recipe] if args.command == "train" else args.target
            install.pull(
                target,
                models_dir,
                args.quantize,
                args.new_id,
                args.force,
                epochs=args.epochs,
                limit=args.limit,
                seed=args.seed,
            )
        elif args.command == "convert":
            install.convert_file(
                args.path,
                models_dir,
                args.to,
                args.quantize,
                args.new_id,
                args.task,
                args.title,
                args.labels,
                args.mean,
                args.std,
                args.activation,
                args.force,
            )
        elif args.command == "defaults":
            install.defaults(models_dir, args.force, args.train)
        elif args.command == "verify":
            ids = args.ids or list(manifest.installed(models_dir))
            if not ids:
                raise ConverterError(f"no models installed in {models_dir}")
            reports = [verify.verify(models_dir, model_id, args.backend) for model_id in ids]
            return 0 if all(r.ok for r in reports) else 1
        return 0
    except ConverterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a full disk, a read-only or missing folder: nothing was installed
        print(
            f"error: {error.strerror or error} ({error.filename or 'no file name'}); nothing was installed",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was installed half-way", file=sys.stderr)
        return 130
