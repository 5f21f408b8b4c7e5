"""`python -m casebook.cli`."""

import sys

from casebook.cli import main

if __name__ == "__main__":  # not when a spawned role process imports the parent's main module
    sys.exit(main())
