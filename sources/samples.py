"""The small datasets the ``vega_datasets`` package ships locally, as extra tables to try the chat on."""

from __future__ import annotations

import pyarrow as pa

from sources.column_types import typed_text_columns


def sample_dataset_names() -> list[str]:
    from vega_datasets import local_data  # imported on demand: only the Explore page needs it

    return [name for name in local_data.list_datasets() if name != "earthquakes"]


def load_sample_dataset(name: str) -> pa.Table:
    """One bundled sample (no network) as an Arrow table."""
    from vega_datasets import local_data

    if name not in sample_dataset_names():
        raise ValueError(f"No bundled sample named {name!r}")
    frame = getattr(local_data, name.replace("-", "_"))()
    return typed_text_columns(pa.Table.from_pandas(frame, preserve_index=False))  # us-employment's months are text
