"""A plain static file server for comparison: aiohttp's own static route, nothing else.

python -m bench.static_server MODELS_DIR PORT   (serves MODELS_DIR under /models/)
"""

import sys

from aiohttp import web


def main() -> None:
    app = web.Application()
    app.router.add_static("/models/", sys.argv[1], follow_symlinks=True)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=None, print=None)


if __name__ == "__main__":
    main()
