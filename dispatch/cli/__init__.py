"""The ``opms-dispatch`` command line: the entry point and one module per command."""
