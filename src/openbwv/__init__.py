"""openbwv: an open, vendor-neutral body-worn video evidence platform."""

__version__ = "0.1.0"
