"""Reusable constructs, one per AWS concern.

Each attribute of a resource (``bucket.arn``) is a call into Node. A component reads each one
once, keeps the value (``bucket_arn``, ``security_group_id``) and hands values on; other
components take values, not resources. tests/speedups/test_fast_path.py counts the reads of a sample synth.

They live here rather than in a top-level ``constructs/`` folder, which would shadow the
``constructs`` library that cdktf itself imports.
"""
