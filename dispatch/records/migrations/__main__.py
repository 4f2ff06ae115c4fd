"""``python -m dispatch.records.migrations revision -m MESSAGE``."""

from dispatch.records.migrations import _main

_main()
