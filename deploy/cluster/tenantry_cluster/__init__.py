# tenantry_cluster: the orchestrator of Tenantry's local cluster (up, down,
# status, scale, deploy), which ./tenantry hands those commands to. cli.py is
# where a command starts; steps.py holds the steps the commands are made of.
