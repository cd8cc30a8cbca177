"""Helpers shared by test folders (importable as `helpers.*`: pytest puts tests/ on sys.path, see pyproject.toml)."""
