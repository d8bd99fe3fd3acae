"""kp-convert: move running foot-care grants from ESDH exports into a KP conversion worksheet."""

__version__ = "0.1.0"
