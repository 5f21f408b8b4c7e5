"""`python -m casebook.cli`."""

import sys

from casebook.cli import main

sys.exit(main())
