"""``python -m sim``: the breachsim command line."""

import sys

from .cli import main

sys.exit(main())
