"""bordersim: agent-based simulation of border enforcement against human trafficking, on Mesa."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bordersim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
