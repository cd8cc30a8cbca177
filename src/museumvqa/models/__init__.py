"""Vision-language model adapters: load or build a model and answer questions with it."""
