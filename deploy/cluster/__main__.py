# `python3 deploy/cluster COMMAND`: runs the cluster orchestrator
# (tenantry_cluster/cli.py) from the checkout, standard library only.
import os
import sys

from tenantry_cluster.cli import main

try:
    status = main(sys.argv[1:])
    sys.stdout.flush()
except BrokenPipeError:  # `... | head`: the reader has what it wanted
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 0
sys.exit(status)
