"""The configuration: the TOML checker, the batch (`batch.py`), planning, the order and letter, reconciliation.

Nothing of the pipeline is imported here; each stage is handed the part it needs.
"""
