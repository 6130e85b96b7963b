"""A fake webcam for Chromium: a real photo written as a one-frame Y4M video.

The code lives in server/testing.py (the benchmark plays the same camera, at 60 fps); these
names stay importable from here for the tests. `write_y4m(rgb, path, fps=30)`.
"""

from server.testing import HEIGHT, WIDTH, fit_to_frame, write_y4m

__all__ = ["HEIGHT", "WIDTH", "fit_to_frame", "write_y4m"]
