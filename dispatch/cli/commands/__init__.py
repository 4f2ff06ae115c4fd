"""Commands of ``opms-dispatch``: one module each, exposing ``register(subparsers, common)``."""
