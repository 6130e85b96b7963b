"""POST /api/prepare: the tensor it returns, and its answers to bad uploads."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from aiohttp import FormData
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from skimage import data as photos

from server import Config, create_app
from server.prepare import (MAX_DECODED_BYTES, MAX_PIXELS, MAX_UPLOAD_BYTES, TOO_MANY_PIXELS, crop_and_resize,
                            crop_box, prepare)
from server.prepare import decode as decode_image

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


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def huge_png(width: int, height: int, colour_type: int = 2) -> bytes:
    """A tiny file that claims an enormous image (a decompression bomb's header); 2 is RGB, 6 RGBA."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0" * 100))
            + png_chunk(b"IEND", b""))


async def post_image(client, body: bytes, content_type: str = "image/png", **headers):
    response = await client.post("/api/prepare?model=clf", data=body, headers={"Content-Type": content_type, **headers})
    return response.status, await response.json()


# 7000 x 7000 is over our cap and under Pillow's own limit (89 Mpixels), so only our check
# can answer it; 10,000^2 is in Pillow's warning range and 60,000^2 in its error range.
@pytest.mark.parametrize("side", [7000, 10_000, 60_000])
async def test_too_many_pixels_get_the_caps_413_and_message(client, side):
    assert MAX_PIXELS < 7000 ** 2 < Image.MAX_IMAGE_PIXELS < 10_000 ** 2 < 2 * Image.MAX_IMAGE_PIXELS < 60_000 ** 2
    status, answer = await post_image(client, huge_png(side, side))
    assert (status, answer["error"]) == (413, TOO_MANY_PIXELS)


async def test_decoded_size_budget_is_checked_before_decoding(client):
    # 36 Mpixels is under the pixel cap, but as RGBA it decodes to 144 MB.
    assert 6000 * 6000 < MAX_PIXELS and 6000 * 6000 * 4 > MAX_DECODED_BYTES
    status, answer = await post_image(client, huge_png(6000, 6000, colour_type=6))
    assert status == 413 and answer["error"].startswith("Decoded, the image would take 144 MB")


async def test_missing_or_empty_model_parameter_is_400(client):
    for url in ["/api/prepare", "/api/prepare?model=", "/api/prepare?other=clf"]:
        response = await client.post(url, data=png_bytes(photos.chelsea()), headers={"Content-Type": "image/png"})
        answer = await response.json()
        assert response.status == 400 and "'model' is required" in answer["error"], (url, answer)


def image_bytes(pillow_format: str, size=(32, 24), mode="RGB", **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 100, 50)[:len(mode)] if mode != "L" else 128).save(buffer, format=pillow_format, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("pillow_format", ["TIFF", "ICO", "PPM", "PCX", "SGI", "DDS", "QOI"])
async def test_formats_the_page_does_not_offer_are_415(client, pillow_format):
    # Declared as PNG: the bytes decide, not the header.
    status, answer = await post_image(client, image_bytes(pillow_format, mode="RGBA" if pillow_format == "DDS" else "RGB"))
    assert status == 415, answer
    assert answer["error"] == (f"The upload looks like a {pillow_format} image; this server decodes only "
                               "JPEG, PNG, WEBP, GIF and BMP.")


async def test_formats_without_magic_bytes_are_not_decoded_either(client):
    # TGA has no signature: Pillow would try it on anything; we never do. (This one starts
    # like a CUR file, and is answered so.)
    status, answer = await post_image(client, image_bytes("TGA"))
    assert status in (400, 415) and "JPEG, PNG, WEBP, GIF" in answer["error"], answer


@pytest.mark.parametrize("pillow_format", ["PNG", "JPEG", "WEBP", "GIF", "BMP"])
async def test_the_five_formats_are_prepared(client, pillow_format):
    status, answer = await post_image(client, image_bytes(pillow_format))
    assert status == 200 and answer["source"] == {"width": 32, "height": 24}


@pytest.mark.parametrize("exif", [b"garbage", b"MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12", b"II*\x00" + b"\xff" * 12])
async def test_malformed_exif_in_a_png_is_400(client, exif):
    png = png_bytes(photos.chelsea()[:40, :40])
    status, answer = await post_image(client, png[:33] + png_chunk(b"eXIf", exif) + png[33:])
    assert status in (200, 400), answer
    if status == 400:
        assert answer["error"].startswith("The image's EXIF metadata is malformed")
    assert exif != b"garbage" or status == 400


PNG = png_bytes(np.full((8, 8, 3), 90, np.uint8))
FILE_PART = b'Content-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n' + PNG


@pytest.mark.parametrize("content_type, body, message", [
    ("multipart/form-data", b"--x\r\n" + FILE_PART + b"\r\n--x--\r\n", "no valid boundary"),
    ("multipart/form-data; boundary=" + "b" * 71, b"--" + b"b" * 71 + b"\r\n" + FILE_PART + b"\r\n--" + b"b" * 71 + b"--\r\n",
     "no valid boundary"),
    ("multipart/form-data; boundary=abc", b"--xyz\r\n" + FILE_PART + b"\r\n--xyz--\r\n", "malformed"),
    ("multipart/form-data; boundary=abc", b"", "malformed"),
    ("multipart/form-data; boundary=abc",
     b'--abc\r\nContent-Disposition: form-data; name="image"\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n'
     b"--in\r\n" + FILE_PART + b"\r\n--in--\r\n\r\n--abc--\r\n", "nested multipart"),
    ("multipart/form-data; boundary=abc", b'--abc\r\nContent-Disposition: form-data; name="x"\r\n\r\nhi\r\n--abc--\r\n',
     "no file"),
])
async def test_broken_multipart_is_400(client, content_type, body, message):
    status, answer = await post_image(client, body, content_type)
    assert status == 400 and message in answer["error"], answer


@pytest.mark.parametrize("encoding, body", [
    ("gzip", PNG), ("deflate", PNG), ("x-unknown", PNG), ("gzip", gzip.compress(PNG)),
])
async def test_content_encoding_is_refused_with_415(client, encoding, body):
    status, answer = await post_image(client, body, **{"Content-Encoding": encoding})
    assert status == 415 and "without Content-Encoding" in answer["error"], answer


async def test_a_slow_body_is_cut_off(aiohttp_server, tmp_path):
    install_manifest(tmp_path)
    server = await aiohttp_server(create_app(Config(models_dir=tmp_path, upload_timeout=2)))
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"POST /api/prepare?model=clf HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                 b"Content-Length: 1000\r\n\r\n")

    async def trickle():  # one byte a second, for longer than the timeout
        for byte in PNG[:30]:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(1)

    sender = asyncio.create_task(trickle())
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=15)
        assert head.startswith(b"HTTP/1.1 408") and b"Connection: close" in head
        assert b"within 2 seconds" in await asyncio.wait_for(reader.read(), timeout=15)
    finally:
        sender.cancel()
        writer.close()


SAME_ORIGIN_OK = [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}]
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # another port of localhost is the same site
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:1"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "SELF"},
]


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_cross_site_posts_are_refused(client, headers):
    headers = {k: (str(client.make_url("")).rstrip("/") if v == "SELF" else v) for k, v in headers.items()}
    status, answer = await post_image(client, PNG, **headers)
    assert status == 403 and answer["error"].startswith("Cross-site request refused"), answer


@pytest.mark.parametrize("headers", SAME_ORIGIN_OK + [{"Origin": "SELF"}])
async def test_same_origin_and_non_browser_posts_are_answered(client, headers):
    headers = {k: (str(client.make_url("")).rstrip("/") if v == "SELF" else v) for k, v in headers.items()}
    status, answer = await post_image(client, PNG, **headers)
    assert status == 200, answer


def prepare_peak_bytes(data: bytes, spec: dict) -> int:
    """The most memory Python and numpy held at once during prepare() (Pillow's own is not traced)."""
    tracemalloc.start()
    try:
        prepare(data, spec)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("crop", ["center", "none"])
@pytest.mark.parametrize("size", [(200_000, 8), (8, 200_000)])
def test_wide_or_tall_images_cost_about_their_output(size, crop):
    # Before, cropAndResize gathered 224 full rows as float32: 224 x 200,000 x 3 x 4 bytes = 537 MB.
    data = png_bytes(np.random.default_rng(0).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    peak = prepare_peak_bytes(data, {**SPEC, "crop": crop})
    assert peak < 12e6, f"{peak / 1e6:.0f} MB"


def test_large_jpegs_decode_at_a_reduced_scale():
    big = Image.fromarray(photos.chelsea()).resize((6000, 4000))
    buffer = io.BytesIO()
    big.save(buffer, format="JPEG", quality=90)
    image, source = decode_image(buffer.getvalue(), 224)
    assert source == (6000, 4000) and image.size == (3000, 2000)
    # The tensor is still the photo: compare with the exact decode at the centre.
    prepared = prepare(buffer.getvalue(), SPEC)
    exact = crop_and_resize(np.asarray(Image.open(buffer).convert("RGB")), crop_box(6000, 4000, SPEC), 224, 224)
    exact = (exact - 127.0) / 128.0
    assert prepared.source_size == (6000, 4000)
    assert np.abs(prepared.tensor[0] - exact).mean() < 0.02


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=4096), kind=st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]))
async def test_random_bytes_never_crash_the_server(client, body, kind):
    response = await client.post("/api/prepare?model=clf", data=body, headers={"Content-Type": kind})
    assert response.status in (200, 400, 413)
    assert "error" in await response.json() or response.status == 200
