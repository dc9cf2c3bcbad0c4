"""Generated models, one module per REST version (tools/generate_models.py).

Nothing is imported here: load the negotiated version only, with
jobbergate_agent.slurm.models.load_models().
"""
