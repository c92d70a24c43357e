"""Vending: customer environments on AWS from one YAML file each, as cdktf stacks."""

import os

# jsii warns on every start that Node 20 is past its end of life (docs/operations.md says it once).
# Set here, before anything of ours can start jsii: main.py, `review`, `drift`, the demo's synths.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
