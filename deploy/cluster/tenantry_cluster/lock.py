# One ./tenantry command at a time per $TENANTRY_VAR: an flock on
# $TENANTRY_VAR/.lock, held until the process exits (the file descriptor is
# not inherited by the programs it starts).
import fcntl
import os

from .output import Stop


def try_take(var: str):
    """The lock's open file, or None when another command holds it."""
    os.makedirs(var, exist_ok=True)
    f = open(os.path.join(var, ".lock"), "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    return f


def take(var: str):
    f = try_take(var)
    if f is None:
        lock = os.path.join(var, ".lock")
        raise Stop(f"another ./tenantry command is working on {var} (lock: {lock})")
    return f
