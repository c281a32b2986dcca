"""repwatch: listen where customers talk, tag what they complain about, report the trend."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("repwatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

PROJECT_URL = "https://github.com/repwatch/repwatch"
