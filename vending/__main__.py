"""``python -m vending <command>``: the same as the ``vending`` command."""

import sys

from vending.cli import main

sys.exit(main())
