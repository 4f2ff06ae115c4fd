"""Commands of ``opms-dispatch``: one module each, exposing ``register(subparsers, common)``.

``common`` holds the global options (``--json``, ``--config``, ``--data-dir``, ``--quiet``):
give it as ``parents=[common]`` to every parser a command adds, so the options work after
the command too. Import at module level only what ``register`` needs; the handler imports
the domain modules (``opms-dispatch --help`` imports every command module). Modules whose
name starts with ``_`` are helpers, not commands.
"""
