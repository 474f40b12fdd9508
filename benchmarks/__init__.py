"""The performance benchmark of the main job (`python benchmarks/run.py`); see docs/benchmark.md."""
