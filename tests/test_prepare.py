"""POST /api/prepare: the tensor it returns, and its answers to bad uploads."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import statistics
import struct
import subprocess
import sys
import time
import tracemalloc
import zlib
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from aiohttp import FormData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from skimage import data as photos

from server import Config, create_app
from server.prepare import (
    DECODE_QUEUE,
    DECODE_SLOTS,
    MAX_DECODED_BYTES,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    OUT_OF_MEMORY,
    TOO_MANY_PIXELS,
    crop_and_resize,
    crop_box,
    prepare,
)
from server.prepare import decode as decode_image
from tests.live_server import free_port, wait_for_port

SPEC = {
    "shape": [1, 224, 224, 3],
    "dtype": "float32",
    "channels": "RGB",
    "mean": 127.0,
    "std": 128.0,
    "crop": "center",
    "crop_fraction": 0.875,
}


REPO = Path(__file__).resolve().parent.parent


def install_manifest(models: Path, model_id: str = "clf", spec: dict = SPEC) -> None:
    folder = models / model_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps({"id": model_id, "task": "image-classification", "format": "graph", "input": spec})
    )


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
    response = await client.post(
        "/api/prepare?model=clf", data=png_bytes(photos.chelsea()), headers={"Content-Type": "image/png"}
    )
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
    raw = await (
        await client.post(
            "/api/prepare?model=clf", data=png_bytes(photos.coffee()), headers={"Content-Type": "image/png"}
        )
    ).json()
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
    response = await client.post(
        "/api/prepare?model=clf", data=b"\0" * (MAX_UPLOAD_BYTES + 1), headers={"Content-Type": "image/png"}
    )
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
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + png_chunk(b"IEND", b"")
    )


async def post_image(client, body: bytes, content_type: str = "image/png", **headers):
    response = await client.post("/api/prepare?model=clf", data=body, headers={"Content-Type": content_type, **headers})
    return response.status, await response.json()


# 7000 x 7000 is over our cap and under Pillow's own limit (89 Mpixels), so only our check
# can answer it; 10,000^2 is in Pillow's warning range and 60,000^2 in its error range.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [7000, 10_000, 60_000])
async def test_too_many_pixels_get_the_caps_413_and_message(client, side):
    assert MAX_PIXELS < 7000**2 < Image.MAX_IMAGE_PIXELS < 10_000**2 < 2 * Image.MAX_IMAGE_PIXELS < 60_000**2
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
    Image.new(mode, size, (200, 100, 50)[: len(mode)] if mode != "L" else 128).save(
        buffer, format=pillow_format, **options
    )
    return buffer.getvalue()


@pytest.mark.parametrize("pillow_format", ["TIFF", "ICO", "PPM", "PCX", "SGI", "DDS", "QOI"])
async def test_formats_the_page_does_not_offer_are_415(client, pillow_format):
    # Declared as PNG: the bytes decide, not the header.
    status, answer = await post_image(
        client, image_bytes(pillow_format, mode="RGBA" if pillow_format == "DDS" else "RGB")
    )
    assert status == 415, answer
    assert answer["error"] == (
        f"The upload looks like a {pillow_format} image; this server decodes only JPEG, PNG, WEBP, GIF and BMP."
    )


async def test_formats_without_magic_bytes_are_not_decoded_either(client):
    # TGA has no signature: Pillow would try it on anything; we never do. (This one starts
    # like a CUR file, and is answered so.)
    status, answer = await post_image(client, image_bytes("TGA"))
    assert status in (400, 415) and "JPEG, PNG, WEBP, GIF" in answer["error"], answer


@pytest.mark.parametrize("pillow_format", ["PNG", "JPEG", "WEBP", "GIF", "BMP"])
async def test_the_five_formats_are_prepared(client, pillow_format):
    status, answer = await post_image(client, image_bytes(pillow_format))
    assert status == 200 and answer["source"] == {"width": 32, "height": 24}


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
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


@pytest.mark.parametrize(
    "content_type, body, message",
    [
        ("multipart/form-data", b"--x\r\n" + FILE_PART + b"\r\n--x--\r\n", "no valid boundary"),
        (
            "multipart/form-data; boundary=" + "b" * 71,
            b"--" + b"b" * 71 + b"\r\n" + FILE_PART + b"\r\n--" + b"b" * 71 + b"--\r\n",
            "no valid boundary",
        ),
        ("multipart/form-data; boundary=abc", b"--xyz\r\n" + FILE_PART + b"\r\n--xyz--\r\n", "malformed"),
        ("multipart/form-data; boundary=abc", b"", "malformed"),
        (
            "multipart/form-data; boundary=abc",
            b'--abc\r\nContent-Disposition: form-data; name="image"\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n'
            b"--in\r\n" + FILE_PART + b"\r\n--in--\r\n\r\n--abc--\r\n",
            "nested multipart",
        ),
        (
            "multipart/form-data; boundary=abc",
            b'--abc\r\nContent-Disposition: form-data; name="x"\r\n\r\nhi\r\n--abc--\r\n',
            "no file",
        ),
        # Found by the fuzzing below: a control character in a part's header.
        (
            "multipart/form-data; boundary=abc",
            b'--abc\r\nContent-Disposition: form-data; name="i"; filename="\x1f"\r\n\r\n' + PNG + b"\r\n--abc--\r\n",
            "headers cannot be read",
        ),
    ],
)
async def test_broken_multipart_is_400(client, content_type, body, message):
    status, answer = await post_image(client, body, content_type)
    assert status == 400 and message in answer["error"], answer


@pytest.mark.parametrize(
    "encoding, body",
    [
        ("gzip", PNG),
        ("deflate", PNG),
        ("x-unknown", PNG),
        ("gzip", gzip.compress(PNG)),
    ],
)
async def test_content_encoding_is_refused_with_415(client, encoding, body):
    status, answer = await post_image(client, body, **{"Content-Encoding": encoding})
    assert status == 415 and "without Content-Encoding" in answer["error"], answer


async def test_a_slow_body_is_cut_off(aiohttp_server, tmp_path):
    install_manifest(tmp_path)
    server = await aiohttp_server(create_app(Config(models_dir=tmp_path, upload_timeout=2)))
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        b"POST /api/prepare?model=clf HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n"
    )

    async def trickle():  # one byte a second, for longer than the timeout
        for byte in PNG[:30]:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(1)

    sender = asyncio.create_task(trickle())
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=15)
        assert head.startswith(b"HTTP/1.1 408") and b"Connection: close" in head
        # The handler is done; aiohttp still drains the trickle for up to 10 s before closing.
        length = int(next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length:")).split()[1])
        assert b"within 2 seconds" in await asyncio.wait_for(reader.readexactly(length), timeout=15)
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


ANSWERS = (200, 400, 413, 415)


async def assert_answered(response):
    answer = await response.json()
    assert response.status in ANSWERS, answer
    assert response.status == 200 or answer["error"], answer


# Hypothesis settings for a loaded 2-core machine: a few dozen examples each, no deadline.
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=st.binary(max_size=4096), kind=st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]))
async def test_random_bytes_never_crash_the_server(client, body, kind):
    await assert_answered(await client.post("/api/prepare?model=clf", data=body, headers={"Content-Type": kind}))


@st.composite
def exif_blobs(draw):
    """None, random bytes, or a real EXIF block with random orientation and text."""
    kind = draw(st.sampled_from(["none", "bytes", "tags"]))
    if kind == "none":
        return None
    if kind == "bytes":
        return draw(st.binary(max_size=80))
    exif = Image.Exif()
    exif[0x0112] = draw(st.integers(0, 65535))  # orientation: 1-8 are defined
    exif[0x010F] = draw(st.text(max_size=20))
    return exif.tobytes()


@st.composite
def encoded_images(draw):
    """A valid container of the five formats, random size, content and EXIF, sometimes damaged."""
    pillow_format = draw(st.sampled_from(["PNG", "JPEG", "WEBP", "GIF", "BMP"]))
    width, height = draw(st.integers(1, 200)), draw(st.integers(1, 200))
    mode = draw(
        st.sampled_from(
            {
                "JPEG": ["RGB", "L"],
                "WEBP": ["RGB", "RGBA"],
                "GIF": ["P", "L"],
                "BMP": ["RGB", "L", "P"],
                "PNG": ["RGB", "RGBA", "L", "P", "I;16"],
            }[pillow_format]
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pixels = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGBA").convert("RGB" if mode in ("P", "I;16") else mode)
    image = image.convert("P") if mode == "P" else image.convert("I;16") if mode == "I;16" else image
    options = {}
    exif = draw(exif_blobs())
    if exif is not None and pillow_format in ("PNG", "JPEG", "WEBP"):
        options["exif"] = exif
    buffer = io.BytesIO()
    image.save(buffer, format=pillow_format, **options)
    data = buffer.getvalue()
    damage = draw(st.sampled_from(["none", "truncate", "flip", "claim"]))
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    if damage == "truncate":
        data = data[:at]
    elif damage == "flip":
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif damage == "claim" and pillow_format == "PNG":  # claim other dimensions, with a valid CRC
        claimed = struct.pack(">II", draw(st.integers(1, 100_000)), draw(st.integers(1, 100_000)))
        header = claimed + data[24:29]
        data = data[:8] + png_chunk(b"IHDR", header) + data[33:]
    return pillow_format, data


@FUZZ
@given(upload=encoded_images())
async def test_structured_images_never_crash_the_server(client, upload):
    pillow_format, data = upload
    kind = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif", "BMP": "image/bmp"}
    await assert_answered(
        await client.post("/api/prepare?model=clf", data=data, headers={"Content-Type": kind[pillow_format]})
    )


BOUNDARY_CHARS = st.sampled_from("abcXYZ019'()+_,-./:=? \"")


@FUZZ
@given(
    boundary=st.text(BOUNDARY_CHARS, max_size=80),
    declared=st.one_of(st.none(), st.text(BOUNDARY_CHARS, max_size=80)),
    filename=st.one_of(st.none(), st.text(max_size=10)),
    part_type=st.sampled_from(["image/png", "text/plain", "multipart/mixed; boundary=in", "", "IMAGE/PNG; x=y"]),
    preamble=st.binary(max_size=20),
    epilogue=st.binary(max_size=20),
    newline=st.sampled_from([b"\r\n", b"\n"]),
    closed=st.booleans(),
    parts=st.integers(0, 3),
)
async def test_random_multipart_framing_never_crashes_the_server(
    client, boundary, declared, filename, part_type, preamble, epilogue, newline, closed, parts
):
    mark = boundary.encode()
    disposition = 'form-data; name="image"' + ("" if filename is None else f'; filename="{filename}"')
    part = (
        b"--"
        + mark
        + newline
        + f"Content-Disposition: {disposition}".encode("utf-8", "replace")
        + newline
        + (f"Content-Type: {part_type}".encode() + newline if part_type else b"")
        + newline
        + PNG
        + newline
    )
    body = preamble + part * parts + (b"--" + mark + b"--" + newline if closed else b"") + epilogue
    content_type = "multipart/form-data" + ("" if declared is None else f'; boundary="{declared}"')
    await assert_answered(
        await client.post("/api/prepare?model=clf", data=body, headers={"Content-Type": content_type})
    )


def webp_bytes(side: int) -> bytes:
    """A flat-coloured WebP: some tens of KB on the wire, side x side pixels once decoded."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (10, 200, 30)).save(buffer, format="WEBP")
    return buffer.getvalue()


def peak_rss(pid: int) -> int:
    """The most resident memory the process has had (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) * 1024


async def test_a_burst_of_large_uploads_is_bounded_and_the_server_stays_responsive(tmp_path):
    """The real server in its own process: its peak memory over a burst of 8 uploads is
    about DECODE_SLOTS decodes, not 8 (the default executor alone would run 6 at once
    here); another endpoint keeps answering meanwhile."""
    install_manifest(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port), "--models-dir", str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        large, small = webp_bytes(3000), webp_bytes(300)
        async with aiohttp.ClientSession() as session:

            async def upload(body):
                async with session.post(
                    url + "/api/prepare?model=clf", data=body, headers={"Content-Type": "image/webp"}
                ) as response:
                    return response.status

            async def latency():
                started = time.perf_counter()
                async with session.get(url + "/api/models") as response:
                    await response.read()
                return time.perf_counter() - started

            assert await upload(small) == 200  # imports and first-call costs out of the way
            idle = [await latency() for _ in range(30)]
            before = peak_rss(server.pid)
            assert await upload(large) == 200
            one_decode = peak_rss(server.pid) - before
            burst = asyncio.gather(*[upload(large) for _ in range(8)])
            busy = []
            while not burst.done():
                busy.append(await latency())
                await asyncio.sleep(0.01)
            assert await burst == [200] * 8
        burst_peak = peak_rss(server.pid) - before
        assert burst_peak <= (DECODE_SLOTS + 1) * one_decode, (
            f"burst {burst_peak / 1e6:.0f} MB, one decode {one_decode / 1e6:.0f} MB"
        )
        # Generous: the machine is shared, but a blocked event loop would be hundreds of times slower.
        assert len(busy) >= 3 and statistics.median(busy) < 25 * statistics.median(idle)
    finally:
        server.terminate()
        server.wait(timeout=30)


async def test_uploads_beyond_the_queue_get_503(client):
    body = webp_bytes(1500)
    statuses = await asyncio.gather(
        *[post_image(client, body, "image/webp") for _ in range(DECODE_SLOTS + DECODE_QUEUE + 3)]
    )
    refused = [answer for status, answer in statuses if status == 503]
    assert refused and all(status in (200, 503) for status, _ in statuses)
    assert refused[0]["error"] == "The server is busy preparing other images; try again in a moment."


def test_running_out_of_memory_is_503(tmp_path):
    """In a child process whose address space is capped: the allocation fails for real."""
    image = tmp_path / "big.png"
    Image.new("RGB", (6000, 6000), (1, 2, 3)).save(image)  # 108 MB decoded, within the budget
    script = f"""
import resource, sys
from pathlib import Path
from server.prepare import PrepareError, prepare
data = Path({str(image)!r}).read_bytes()
size = int(next(l for l in open('/proc/self/status') if l.startswith('VmSize')).split()[1]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + 60_000_000, size + 60_000_000))
try:
    prepare(data, {SPEC!r})
except PrepareError as exc:
    print(exc.status, exc)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == f"503 {OUT_OF_MEMORY}", result.stdout + result.stderr
