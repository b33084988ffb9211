"""Scripts run with `python -m experiments.NAME`: vendoring data, training models, experiments."""
