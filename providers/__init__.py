"""Reaching models: endpoint types, clients, retries, error mapping, health checks. No Streamlit.

The SDK defers building its pydantic response models until first use, and pydantic's deferred build is not
thread-safe: twenty sessions' answer threads parsing their first replies at once failed with "BaseModel cannot
be instantiated directly". Built at import instead (under Python's import lock) by the SDK's own switch; it costs
a quarter of a second once per process. Set before any module here imports ``openai``.
"""

import os

os.environ.setdefault("DEFER_PYDANTIC_BUILD", "false")
