"""Allows ``python -m activation_warehouse.dev``."""

import sys

from activation_warehouse.dev.cli import main

sys.exit(main())
