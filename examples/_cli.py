"""The command line that every example shares: ``--help`` and ``--out DIR``.

Each example builds its parser here, so all of them describe themselves the same way
(the first line of their docstring, every default shown) and all take ``--out``. An
example imports this module inside its ``cli`` function only: run as
``python examples/<name>.py``, from any folder, Python puts this folder on ``sys.path``,
while the tests and fixtures that load an example from its file (and ``main`` itself)
need nothing but kerasette.
"""

import argparse
import os
import tempfile


def parser(doc: str, name: str, writes_files: bool = True) -> argparse.ArgumentParser:
    """A parser described by the first line of ``doc``, showing defaults, with ``--out``.

    Args:
        doc: the example's module docstring.
        name: the example's file name without ``.py``; the prefix of its temporary folder.
        writes_files: ``False`` for an example that writes nothing: its ``--out`` is
            still accepted, so that every example takes the same options, and says so.

    Returns:
        An ``argparse.ArgumentParser``; the example adds its own options.
    """
    result = argparse.ArgumentParser(
        prog=f"{name}.py", description=doc.strip().splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    if writes_files:
        fresh = os.path.join(tempfile.gettempdir(), f"kerasette-{name}-*")
        help_text = ("the folder for every file it writes, created if missing; None: a "
                     f"fresh temporary folder {fresh}, whose path it prints")
    else:
        help_text = "accepted as by every example, but this one writes no files"
    result.add_argument("--out", metavar="DIR", default=None, help=help_text)
    return result
