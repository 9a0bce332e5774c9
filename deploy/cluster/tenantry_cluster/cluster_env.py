# $TENANTRY_VAR/cluster.env: the settings a cluster runs on. `up` records
# them (scale and deploy too) and later commands read them back; nothing but
# the orchestrator reads or writes the file.
import os
import re
from dataclasses import dataclass, field

from . import settings

HEADER = "# Settings of the cluster in this directory, written by ./tenantry up/scale/deploy."
_LINE = re.compile(r"^([A-Z0-9_]+)=(.*)$")


@dataclass
class Config:
    cluster: dict[str, str]  # every setting of settings.CLUSTER
    replica: dict[str, str] = field(default_factory=dict)  # passed on to the replicas, non-empty

    def num(self, name: str) -> int:
        return int(self.cluster[name])


def read(path: str) -> dict[str, str]:
    """NAME=VALUE lines of the file (empty when there is none)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return {}
    return {m[1]: m[2] for line in lines if (m := _LINE.match(line))}


def text(values: dict[str, str]) -> str:
    return "\n".join([HEADER] + [f"{k}={v}" for k, v in values.items() if v != ""]) + "\n"


def write(path: str, config: Config) -> None:
    write_values(path, {**config.cluster, **config.replica})


def write_values(path: str, values: dict[str, str]) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text(values))
    os.replace(path + ".tmp", path)


def migrate(recorded: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """RECORDED with the old names of settings.RENAMED replaced by the new
    ones (a file written before the rename), and which (old, new) were."""
    result, renamed = {}, []
    for name, value in recorded.items():
        new = settings.RENAMED.get(name)
        if new is None:
            result.setdefault(name, value)
        elif new not in recorded:
            result[new] = value
            renamed.append((name, new))
    return result, renamed


def load(recorded: dict[str, str], mode: str, environ, passed_on: list[str], warn) -> Config:
    """The settings to run on. MODE "up": the environment overrides what is
    recorded; "deploy": only for the values passed on to the replicas;
    anything else: the recorded values (the cluster runs on them), the
    environment only where none is recorded. PASSED_ON: the names of the
    replicas' settings (api_settings.passed_on). Recorded names that are no
    setting any more are dropped, with a warning."""
    cluster_names = [s.name for s in settings.CLUSTER]
    for name in recorded:
        if name not in cluster_names and name not in passed_on:
            warn(f"cluster.env: {name} is no setting of the cluster or of this tenantry-api; dropped")

    values = settings.defaults()
    replica: dict[str, str] = {}
    for name in cluster_names + passed_on:
        target = values if name in values else replica
        if name in recorded:
            target[name] = recorded[name]
        if name in environ and (
                mode == "up" or name not in recorded or (mode == "deploy" and target is replica)):
            target[name] = environ[name]
    replica = {k: v for k, v in replica.items() if v != ""}
    return Config(values, replica)
