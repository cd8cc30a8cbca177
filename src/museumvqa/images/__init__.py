"""Images stage: exhibit photographs -> resized JPEGs in WebDataset tar shards + a Parquet index.

`sources` reads an image reference (path, URL, IIIF service or manifest) through `fetch` (the polite
HTTP client), `process` decodes and normalises one image, `phash` and `views` add near-duplicate hashes
and generated MultiAngle views, `keys` names samples, `units` builds one shard and its `ledger` part,
`shards` plans, runs (in-process, processes or Ray tasks) and assembles a build, `reader` reads
samples back by key, `stream` is the streaming training reader, and `fingerprint` gives the local
features (ORB keypoints) with which the benchmark build finds re-photographed objects across splits;
`word_index` is the inverted index of their visual words that both the leak check and `recognition`
(serving's exhibit recognition, open-set) search first, `similarity` the global image feature.
"""
