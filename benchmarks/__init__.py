"""The performance benchmark of the main job (`python benchmarks/run.py`); see the README, section Benchmark."""
