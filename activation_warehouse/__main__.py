"""Allows ``python -m activation_warehouse``."""

import sys

from activation_warehouse.cli import main

sys.exit(main())
