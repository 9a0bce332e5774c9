# What the orchestrator tells the operator (progress on stdout, warnings on
# stderr), and Stop: how a command ends early with a message and a status.
import sys
from collections import deque


class Stop(Exception):
    """Ends the command: MESSAGE (if any) on stderr, exit STATUS."""

    def __init__(self, message: str | None = None, status: int = 1):
        super().__init__(message)
        self.message = message
        self.status = status


class Output:
    def __init__(self, out=None, err=None):
        self._out = out or sys.stdout
        self._err = err or sys.stderr

    def info(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    def warn(self, text: str) -> None:
        print(f"tenantry: {text}", file=self._err, flush=True)

    def show_log(self, path: str, lines: int = 15) -> None:
        """The last LINES lines of PATH, indented, on stderr."""
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                tail = deque(f, maxlen=lines)
        except OSError:
            return
        for line in tail:
            print("    | " + line.rstrip("\n"), file=self._err)
        self._err.flush()
