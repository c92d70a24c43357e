"""``python -m vending <command>``: the tool's commands besides synth (which is main.py)."""

import sys

from vending.cli import main

sys.exit(main())
