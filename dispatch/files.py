"""Files that hold personal information: readable by their owner only, whatever the umask.

The data directory holds the database, its journals, backups, exports and uploads: folders the
product creates are 0700 and such files 0600 (SECURITY.md, *File modes*).
"""

from __future__ import annotations

import os
from pathlib import Path


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) as folders only their owner can open: 0700.

    The mode is set explicitly (``chmod``), so the umask cannot widen it. A folder that already
    exists is left as it is (it may be the user's own, chosen with ``--data-dir``).
    """
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in missing:
        os.chmod(folder, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Make ``path`` readable and writable by its owner only (0600), creating it if missing.

    Created with ``O_CREAT`` and mode 0600, then ``chmod`` (the umask cannot widen it, and a
    file made by an older version is tightened).
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


__all__ = ["private_file", "private_folder"]
