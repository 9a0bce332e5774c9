# Where everything of a cluster lives: the checkout (templates, scripts,
# migrations) and $TENANTRY_VAR (every file the cluster makes).
import os
import re
from dataclasses import dataclass

_PLAIN = re.compile(r"^/[A-Za-z0-9/._+-]+$")


@dataclass(frozen=True)
class Paths:
    root: str  # the checkout
    var: str  # $TENANTRY_VAR, absolute

    def __call__(self, *parts: str) -> str:
        """A path under $TENANTRY_VAR."""
        return os.path.join(self.var, *parts)

    @property
    def templates(self) -> str:
        return os.path.join(self.root, "deploy", "local")

    def script(self, name: str) -> str:
        return os.path.join(self.root, "scripts", name)

    def log(self, program: str) -> str:
        return self("log", f"{program}.log")


def from_environ(environ, root: str, cwd: str) -> Paths:
    var = environ.get("TENANTRY_VAR") or os.path.join(root, "var")
    return Paths(root, os.path.normpath(os.path.join(cwd, var)))


def problem(paths: Paths) -> str | None:
    """Why supervisord's config and HAProxy's socket cannot take these paths
    as they are, or None."""
    if not _PLAIN.match(paths.var):
        return f"TENANTRY_VAR={paths.var}: use an absolute path of letters, digits and / . _ + -"
    if not _PLAIN.match(paths.root):
        return f"{paths.root}: the checkout's path must be letters, digits and / . _ + -"
    if len(paths.var) > 90:
        return f"TENANTRY_VAR={paths.var}: too long for a unix socket path (max 90 characters)"
    return None
