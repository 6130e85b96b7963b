"""POST /api/prepare: the tensor it returns, and its answers to bad uploads."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from aiohttp import FormData
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from skimage import data as photos

from server import Config, create_app
from server.prepare import MAX_UPLOAD_BYTES, crop_and_resize

SPEC = {"shape": [1, 224, 224, 3], "dtype": "float32", "channels": "RGB", "mean": 127.0, "std": 128.0,
        "crop": "center", "crop_fraction": 0.875}


def install_manifest(models: Path, model_id: str = "clf", spec: dict = SPEC) -> None:
    folder = models / model_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"id": model_id, "task": "image-classification",
                                                      "format": "graph", "input": spec}))


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    install_manifest(tmp_path)
    return await aiohttp_client(create_app(Config(models_dir=tmp_path)))


def decode(answer: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(answer["data"]), dtype="<f4").reshape(answer["shape"])


async def test_prepare_returns_the_normalised_centre_crop(client):
    response = await client.post("/api/prepare?model=clf", data=png_bytes(photos.chelsea()),
                                 headers={"Content-Type": "image/png"})
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["shape"] == [1, 224, 224, 3] and answer["dtype"] == "float32"
    assert answer["source"] == {"width": 451, "height": 300}
    tensor = decode(answer)
    assert -1.0 <= tensor.min() and tensor.max() <= 1.0
    # The centre of the crop is the centre of the photo.
    centre = (photos.chelsea()[150, 225].astype(np.float32) - 127) / 128
    assert np.abs(tensor[0, 112, 112] - centre).max() < 0.05


async def test_multipart_upload_works_like_a_raw_body(client):
    form = FormData()
    form.add_field("image", png_bytes(photos.coffee()), filename="coffee.png", content_type="image/png")
    raw = await (await client.post("/api/prepare?model=clf", data=png_bytes(photos.coffee()),
                                   headers={"Content-Type": "image/png"})).json()
    multipart = await (await client.post("/api/prepare?model=clf", data=form)).json()
    assert "data" in raw, raw
    assert multipart.get("data") == raw["data"], multipart


def test_crop_and_resize_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    pixels = rng.uniform(0, 255, size=(37, 53, 3)).astype(np.float32)
    for box, size in [((0, 0, 1, 1), (7, 11)), ((0.1, 0.2, 0.9, 0.7), (16, 16)), ((0.3, 0.3, 0.6, 0.6), (1, 1))]:
        expected = tf.image.crop_and_resize(pixels[None], [box], [0], size).numpy()[0]
        assert np.abs(crop_and_resize(pixels, box, *size) - expected).max() < 1e-3


async def test_unknown_model_is_404(client):
    response = await client.post("/api/prepare?model=nope", data=b"x", headers={"Content-Type": "image/png"})
    assert response.status == 404 and "not installed" in (await response.json())["error"]


async def test_traversal_in_the_model_parameter_is_404(client):
    response = await client.post("/api/prepare?model=../clf", data=b"x", headers={"Content-Type": "image/png"})
    assert response.status == 404


async def test_oversized_upload_is_413(client):
    response = await client.post("/api/prepare?model=clf", data=b"\0" * (MAX_UPLOAD_BYTES + 1),
                                 headers={"Content-Type": "image/png"})
    assert response.status == 413 and "limit" in (await response.json())["error"]


async def test_non_image_type_is_415(client):
    response = await client.post("/api/prepare?model=clf", data=b"hello", headers={"Content-Type": "text/plain"})
    assert response.status == 415 and "not an image type" in (await response.json())["error"]


@pytest.mark.parametrize("body", [b"", b"not an image at all", png_bytes(photos.chelsea())[:500]])
async def test_undecodable_upload_is_400(client, body):
    response = await client.post("/api/prepare?model=clf", data=body, headers={"Content-Type": "image/png"})
    assert response.status == 400 and (await response.json())["error"]


def huge_png(width: int, height: int) -> bytes:
    """A tiny file that claims an enormous image (a decompression bomb's header)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


async def test_huge_dimensions_are_refused_before_decoding(client):
    response = await client.post("/api/prepare?model=clf", data=huge_png(60_000, 60_000),
                                 headers={"Content-Type": "image/png"})
    assert response.status in (400, 413)
    assert "pixels" in (await response.json())["error"] or response.status == 400


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=4096), kind=st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]))
async def test_random_bytes_never_crash_the_server(client, body, kind):
    response = await client.post("/api/prepare?model=clf", data=body, headers={"Content-Type": kind})
    assert response.status in (200, 400, 413)
    assert "error" in await response.json() or response.status == 200
