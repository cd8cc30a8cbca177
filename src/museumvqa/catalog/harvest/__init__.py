"""OAI-PMH harvesting: a repository's records into a folder of ListRecords pages that `ingest` reads.

`protocol` knows the wire format, `client` asks politely, `state` makes a folder resumable, `run`
ties them into `harvest(url, out, HarvestConfig(...))`.
"""

from museumvqa.catalog.harvest.client import HarvestError, OaiClient
from museumvqa.catalog.harvest.run import HarvestStats, harvest
from museumvqa.catalog.harvest.state import STATE_FILE, HarvestRequest, HarvestState, page_name

__all__ = [
    "STATE_FILE",
    "HarvestError",
    "HarvestRequest",
    "HarvestState",
    "HarvestStats",
    "OaiClient",
    "harvest",
    "page_name",
]
