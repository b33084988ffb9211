"""Writing a file so that no reader ever sees half of it (standard library only)."""

import os
import tempfile
from pathlib import Path


def write_atomic(path, content):
    """Writes content to path through a temporary file beside it and a rename.

    content is bytes, a str (written as UTF-8), or a function that writes into the open binary
    file it is given. The folder is created if needed; if anything fails, path keeps what it
    held before and no temporary file is left behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(content):
                content(handle)
            else:
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(temp, 0o644)  # mkstemp creates 0600 files
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
