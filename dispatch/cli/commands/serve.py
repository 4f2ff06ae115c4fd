"""``opms-dispatch serve [--host 127.0.0.1] [--port 8501]``: start the dashboard.

Runs ``streamlit run app.py`` from the repository (where ``app.py``, ``views/``,
``static/`` and ``.streamlit/config.toml`` live), offline: no usage statistics, no
developer toolbar, static serving on for the map assets. The data directory and settings
file given to the command are passed to the dashboard through ``OPMS_DATA_DIR`` and
``OPMS_CONFIG``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dispatch.cli.streams import say
from dispatch.errors import InvalidInput, NotFound
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings

#: Options that keep the dashboard offline, whatever config files say.
STREAMLIT_FLAGS = (
    "--browser.gatherUsageStats=false",
    "--server.enableStaticServing=true",
    "--server.headless=true",
    "--client.toolbarMode=minimal",
    "--server.fileWatcherType=none",
    "--server.runOnSave=false",
)


def app_path() -> Path:
    """The dashboard's ``app.py`` (beside the ``dispatch`` package in the repository)."""
    path = Path(__file__).resolve().parents[3] / "app.py"
    if not path.is_file():
        msg = N_(
            "The dashboard (app.py) is not installed beside the package ({path}). Run the "
            "command from a checkout of the repository installed with 'pip install -e .'."
        )
        raise NotFound(msg, path=str(path))
    return path


def streamlit_command(host: str, port: int) -> list[str]:
    """The command line that runs the dashboard."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        f"--server.address={host}", f"--server.port={port}", *STREAMLIT_FLAGS,
    ]


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("serve", parents=[common], help="start the dashboard (Streamlit)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> int:
    # lazy: keeps `opms-dispatch --help` fast (measured: subprocess imports in 3 ms)
    import subprocess

    if not 0 < args.port < 65536:
        msg = N_("--port must be between 1 and 65535, got {port}.")
        raise InvalidInput(msg, port=args.port)
    env = dict(os.environ)
    env["OPMS_DATA_DIR"] = str(settings.data_dir)
    if args.config:
        env["OPMS_CONFIG"] = str(Path(args.config).resolve())
    cmd = streamlit_command(args.host, args.port)
    if not args.quiet:
        say(_("Dashboard: {url}").format(url=f"http://{args.host}:{args.port}"))
    try:
        return subprocess.call(cmd, cwd=app_path().parent, env=env)
    except KeyboardInterrupt:
        return 0
