"""Typed keys for what the app keeps in its state."""

from aiohttp import web

from server.config import Config
from server.demos import Demo
from server.prepare import DecodeSlots

CONFIG = web.AppKey("config", Config)
DEMOS = web.AppKey("demos", dict[str, Demo])
DECODE_SLOTS = web.AppKey("decode_slots", DecodeSlots)
