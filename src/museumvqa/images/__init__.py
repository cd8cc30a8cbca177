"""Images stage: exhibit photographs -> resized JPEGs in WebDataset tar shards + a Parquet index.

`process` decodes and normalises one image, `keys` names samples, `shards` builds the shard
folder, `reader` streams samples back out of it.
"""
