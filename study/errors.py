"""The two kinds of failure in `study`.

* :class:`InputError`: bad input from the user (a search-space file, a data file, a command-line
  value, a storage URL). It stops the run before anything is stored or changed; the command line
  prints its one-line message and exits with code 2.
* :class:`TrialError`: something went wrong inside one trial (every seed failed). It fails that
  trial; the study goes on.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input. The message is one line that names the problem and the fix."""


class TrialError(RuntimeError):
    """A trial could not produce a result; the trial fails and the study goes on."""
