"""``python -m dispatch`` runs the ``opms-dispatch`` command."""

from dispatch.cli.main import run

if __name__ == "__main__":
    run()
