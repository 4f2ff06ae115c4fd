"""``python -m dispatch`` runs the ``opms-dispatch`` command."""

from dispatch.cli import run

run()
