"""``python -m sim``: the breachsim command line."""

import sys

from .cli.main import main

sys.exit(main())
