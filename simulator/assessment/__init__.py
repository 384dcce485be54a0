"""Scenarios, datasets, answer keys, grading and task sheets: the engine's top, built on the task kinds."""
