"""Helpers of tests/benchmark.py: the per-sync child process, the offline replay, the bounds."""
