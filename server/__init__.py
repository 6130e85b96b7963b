"""The gallery server: an aiohttp app that renders the demo gallery and hosts TF.js, models and APIs."""

from server.app import create_app
from server.config import Config

__all__ = ["Config", "create_app"]
