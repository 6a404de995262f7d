"""`python -m baystream ...` is the `baystream` command."""

import sys

from baystream.infra.cli import main

if __name__ == "__main__":
    sys.exit(main())
