"""`flux.import` (see run.py)."""

from .run import ImportResult, import_tree

__all__ = ["ImportResult", "import_tree"]
