# The settings' documentation, made from their declaration (settings.py):
# the settings part of `./tenantry help` and the README's table, which a unit
# test keeps equal to what this prints.
import re
import textwrap

from . import api_settings, settings

BEGIN = "<!-- cluster-settings:begin -->"
END = "<!-- cluster-settings:end -->"


def _line(s: settings.Setting) -> str:
    text = f"  {s.name:<32} {s.help} [{s.default}]"
    return textwrap.fill(text, 79, subsequent_indent=" " * 35, break_on_hyphens=False)


def help_text() -> str:
    """The settings part of `./tenantry help`."""
    prefixes = ", ".join(p + "*" for p in settings.PROJECT_PREFIXES)
    parts = [
        "Settings of the cluster (environment; [default]). `up` records them in",
        "$TENANTRY_VAR/cluster.env and later commands use the recorded values:",
        *(_line(s) for s in settings.CLUSTER),
        "Settings of ./tenantry itself (not recorded):",
        *(_line(s) for s in settings.COMMAND),
        textwrap.fill(
            "Passed on to the replicas when set (recorded by up; deploy takes new values): every "
            "setting of tenantry-api (`tenantry-api --settings` lists them), except those the cluster "
            "sets for each replica: " + " ".join(api_settings.SET_BY_CLUSTER) + ".", 79,
            break_on_hyphens=False),
        textwrap.fill(
            f"Any other variable named {prefixes} gets a warning naming the closest setting; "
            "with TENANTRY_STRICT_CONFIG=1 the command stops instead (exit 2).", 79,
            break_on_hyphens=False),
    ]
    return "\n".join(parts) + "\n"


def _table(group) -> list[str]:
    rows = ["| variable | default | allowed | what |", "|---|---|---|---|"]
    rows += [f"| `{s.name}` | `{s.default}` | {s.allowed()} | {s.help} |" for s in group]
    return rows


def readme_table() -> str:
    """What goes between the README's markers (the markers included)."""
    set_by_cluster = ", ".join(f"`{n}`" for n in api_settings.SET_BY_CLUSTER)
    lines = [
        BEGIN,
        *_table(settings.CLUSTER),
        "",
        "Settings of `./tenantry` itself, never recorded:",
        "",
        *_table(settings.COMMAND),
        "",
        "Every setting of `tenantry-api` (`tenantry-api --settings` lists them) is passed on to "
        "the replicas when set (recorded by `up`; `deploy` takes new values), except those the "
        f"cluster sets for each replica: {set_by_cluster}.",
        END,
    ]
    return "\n".join(lines) + "\n"


def readme_region(readme: str) -> str | None:
    """The README's text between the markers (included), or None."""
    m = re.search(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", readme, re.S)
    return m[0] if m else None


def replace_region(readme: str) -> str:
    region = readme_region(readme)
    if region is None:
        raise ValueError(f"no {BEGIN} ... {END} in the README")
    return readme.replace(region, readme_table(), 1)
