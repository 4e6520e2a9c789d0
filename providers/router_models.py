"""The models HuggingFace's Inference Providers router serves now (``GET /v1/models``), cached per process.

No token is sent: the list is public. Offline or on any failure the sidebar keeps the built-in catalog,
and the failure is remembered for a few minutes so that reruns do not wait on the network again.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass

FRESH_S = 3600.0  # a fetched list is used for an hour
RETRY_AFTER_FAILURE_S = 300.0
TIMEOUT_S = 3.0
MAX_MODELS = 2000
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class RouterModel:
    model_id: str
    providers: tuple[str, ...]  # the providers serving it, as the router names them


def parse_router_models(payload: object) -> list[RouterModel]:
    """Model ids and their providers from the router's OpenAI-style list; anything malformed is skipped."""
    data = payload.get("data") if isinstance(payload, dict) else None
    models: list[RouterModel] = []
    for item in data if isinstance(data, list) else []:
        model_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(model_id, str) or not 0 < len(model_id) <= 200 or any(c.isspace() for c in model_id):
            continue
        entries = item.get("providers")
        names = [p.get("provider") for p in entries if isinstance(p, dict)] if isinstance(entries, list) else []
        models.append(RouterModel(model_id, tuple(n for n in names if isinstance(n, str) and n.isprintable())))
        if len(models) >= MAX_MODELS:
            break
    return models


class RouterModelList:
    """One router's model list: fetched on first use, then reused by every session of this process."""

    def __init__(self, router_url: str) -> None:
        self.router_url = router_url.rstrip("/")
        self._lock = threading.Lock()
        self._models: list[RouterModel] | None = None
        self._checked_at = -FRESH_S

    def models(self) -> list[RouterModel] | None:
        """The served models, or None when the router could not be asked (use the built-in catalog)."""
        with self._lock:
            age = time.monotonic() - self._checked_at
            if age < (FRESH_S if self._models is not None else RETRY_AFTER_FAILURE_S):
                return self._models
            self._models = self._fetch()
            self._checked_at = time.monotonic()
            return self._models

    def _fetch(self) -> list[RouterModel] | None:
        request = urllib.request.Request(f"{self.router_url}/models", headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                models = parse_router_models(json.loads(response.read(MAX_BYTES)))
        except (OSError, ValueError):
            return None
        return models or None
