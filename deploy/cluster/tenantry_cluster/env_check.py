# Variables of the project's prefixes in the environment that nothing reads:
# a typo or a leftover would otherwise be ignored in silence. Each gets a
# warning naming the closest known setting; TENANTRY_STRICT_CONFIG=1 makes
# them an error (cli.py).
import difflib

from . import api_settings, settings


def problems(environ, api_names: list[str] | None) -> list[str]:
    """One message per variable of a project prefix that is no setting of
    the cluster, of ./tenantry, of tenantry-api (API_NAMES, its settings;
    None when unknown, and then no name is judged unknown) or of a program
    the project runs otherwise, or that the cluster sets for the replicas
    itself."""
    ours = [s.name for s in settings.CLUSTER + settings.COMMAND] + list(settings.ELSEWHERE)
    passed = [n for n in api_names or [] if n not in api_settings.SET_BY_CLUSTER]
    result = []
    for name in sorted(environ):
        if not name.startswith(settings.PROJECT_PREFIXES) or name in ours or name in passed:
            continue
        if name in settings.RENAMED:
            also = ""
            if name in api_settings.SET_BY_CLUSTER:
                also = "; each replica's own is set from TENANTRY_API_PORT_BASE"
            result.append(f"{name} is no setting of the cluster any more: HAProxy's is {settings.RENAMED[name]}{also}")
        elif name in api_settings.SET_BY_CLUSTER:
            result.append(f"{name} is set by the cluster for each replica; the environment's is ignored")
        elif api_names is not None:
            close = difflib.get_close_matches(name, ours + passed, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            result.append(f"{name} is no setting of the cluster, of ./tenantry or of tenantry-api{hint}")
    return result
