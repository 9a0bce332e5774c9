# The settings of tenantry-api, asked from the binary itself
# (`tenantry-api --settings`), so that the cluster passes on whatever a
# release can be configured with, and knows which of them it sets itself.
import subprocess
from dataclasses import dataclass

TYPES = ("text", "integer", "duration", "boolean", "url", "file", "list")

# Set by the cluster for each replica (render.replica_environment), whatever
# the operator's environment says.
SET_BY_CLUSTER = (
    "TENANTRY_HTTP_ADDR",
    "TENANTRY_HTTP_PORT",
    "TENANTRY_ADMIN_PORT",
    "TENANTRY_REPLICA",
    "DATABASE_URL",
    "PLATFORM_DATABASE_URL",
    "REDIS_URL",
    "REDIS_PASSWORD_FILE",
    "TENANTRY_JWKS_FILE",
    "TENANTRY_JWT_SIGNING_KEY_FILE",
    "TENANTRY_STRICT_CONFIG",
)


class SettingsUnavailable(Exception):
    """The binary could not say what its settings are."""


@dataclass(frozen=True)
class ApiSetting:
    name: str
    type: str
    default: str
    help: str


def parse(text: str) -> list[ApiSetting]:
    """`NAME<TAB>TYPE<TAB>DEFAULT<TAB>HELP` lines; ValueError on any other."""
    result = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"line {number}: {len(fields)} tab-separated fields, not 4: {line!r}")
        name, type_, default, help_ = fields
        if not name or not (name.replace("_", "").isalnum() and name.isupper() and name.isascii()):
            raise ValueError(f"line {number}: {name!r} is not a setting's name")
        if type_ not in TYPES:
            raise ValueError(f"line {number}: {name}: type {type_!r} is none of {', '.join(TYPES)}")
        result.append(ApiSetting(name, type_, default, help_))
    if not result:
        raise ValueError("no settings at all")
    return result


def ask(binary: str, run=subprocess.run) -> list[ApiSetting]:
    """BINARY's settings; SettingsUnavailable says why there are none."""
    try:
        done = run([binary, "--settings"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SettingsUnavailable(f"{binary} --settings: {e}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise SettingsUnavailable(
            f"{binary} --settings exited with status {done.returncode}"
            + (f": {said[-1]}" if said else ""))
    try:
        return parse(done.stdout)
    except ValueError as e:
        raise SettingsUnavailable(f"{binary} --settings: {e}") from None


def passed_on(api: list[ApiSetting]) -> list[str]:
    """Names of the settings the operator may give the replicas, in the
    binary's order."""
    return [s.name for s in api if s.name not in SET_BY_CLUSTER]
