"""Fine-tuning of the model adapters on the QA tables and image shards of a run."""
