"""``python -m dispatch`` runs the ``opms-dispatch`` command."""

from dispatch.cli.main import run

run()
