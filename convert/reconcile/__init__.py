"""`kp-convert reconcile`: prove that every converted case landed in KP with the right dates, and that every
ESDH case was closed with its note. `pipeline.py` reads top to bottom; `settings.py` holds the configuration."""
