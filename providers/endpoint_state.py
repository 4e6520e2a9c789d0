"""What one browser session remembers about its endpoints. Light to import: no SDK."""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.debug import RequestLog


@dataclass
class EndpointState:
    """What one browser session remembers about its endpoints (kept in its session state)."""

    request_log: RequestLog = field(default_factory=RequestLog)
    api_retired: bool = False
    notices: list[str] = field(default_factory=list)
    auto_models: dict[str, str] = field(default_factory=dict)
    model_calls: int = 0  # chat completions this session sent (counted against the owner's limit)

    def pop_notices(self) -> list[str]:
        notices, self.notices = self.notices, []
        return notices
