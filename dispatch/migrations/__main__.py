"""``python -m dispatch.migrations revision -m MESSAGE``."""

from dispatch.migrations import _main

_main()
