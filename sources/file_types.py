"""The file types an upload may have, by extension (light to import: the chat input needs it first)."""

EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".geojson": "geojson",
}
ACCEPTED_TYPES = sorted(ext.lstrip(".") for ext in EXTENSIONS)
