"""Benchmark task sets: exhibit-level split and the task tables scored by evaluation."""
