"""The gallery server: an aiohttp app that renders the demo gallery and hosts TF.js, models and APIs."""

__all__ = ["Config", "create_app"]


def __getattr__(name: str):
    # Loaded on first use, so that importing server.manifest (the converters and the
    # benchmark share it) does not load aiohttp and the whole app.
    if name == "create_app":
        from server.app import create_app

        return create_app
    if name == "Config":
        from server.config import Config

        return Config
    raise AttributeError(f"module 'server' has no attribute {name!r}")
