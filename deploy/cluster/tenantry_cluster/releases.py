# Releases: each tenantry-api binary installed is a directory
# $TENANTRY_VAR/releases/<UTC time>-<hash>/ and "current" points at the one
# the replicas start from. Flipping "current" is atomic; running replicas
# keep their binary until restarted.
import datetime
import hashlib
import os
import shutil

KEEP = 5  # the newest releases kept, besides the current one


def current(var: str) -> str:
    """What "current" points at ("releases/<id>"), or '' when nothing does."""
    try:
        return os.readlink(os.path.join(var, "current"))
    except OSError:
        return ""


def point_current(var: str, target: str) -> None:
    tmp = os.path.join(var, "current.tmp")
    if os.path.lexists(tmp):
        os.remove(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, os.path.join(var, "current"))


def install(var: str, binary: str, now=None) -> str:
    """Copies BINARY into a release (the existing one when the same binary
    was installed before), points "current" at it and prunes old releases.
    Returns the release's id."""
    with open(binary, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    releases = os.path.join(var, "releases")
    os.makedirs(releases, exist_ok=True)
    same = sorted(d for d in os.listdir(releases) if d.endswith("-" + digest))
    if same:
        release = same[-1]
    else:
        now = now or datetime.datetime.now(datetime.timezone.utc)
        release = f"{now:%Y%m%dT%H%M%SZ}-{digest}"
        tmp = os.path.join(releases, release + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        shutil.copy2(binary, os.path.join(tmp, "tenantry-api"))
        os.rename(tmp, os.path.join(releases, release))
    point_current(var, f"releases/{release}")
    dirs = sorted((d for d in os.listdir(releases) if os.path.isdir(os.path.join(releases, d))), reverse=True)
    for old in dirs[KEEP:]:
        if old != release:
            shutil.rmtree(os.path.join(releases, old), ignore_errors=True)
    return release


def name(target: str) -> str:
    """The id of a release from what "current" points at."""
    return target.removeprefix("releases/")
