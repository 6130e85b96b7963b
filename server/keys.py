"""Typed keys for what the app keeps in its state."""

from aiohttp import web

from server.config import Config
from server.demos import Demo

CONFIG = web.AppKey("config", Config)
DEMOS = web.AppKey("demos", dict[str, Demo])
