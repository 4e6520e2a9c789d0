"""The corrections the app makes to a model's query itself, each a step of its own; ``steps`` runs them in order."""
