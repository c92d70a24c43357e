"""Reusable constructs, one per AWS concern.

They live here rather than in a top-level ``constructs/`` folder, which would shadow the
``constructs`` library that cdktf itself imports.
"""
