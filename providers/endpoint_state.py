"""What one browser session remembers about its endpoints. Light to import: no SDK."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from providers.debug import RequestLog

if TYPE_CHECKING:
    from providers.budget import VisitorAccount


@dataclass
class EndpointState:
    """What one browser session remembers about its endpoints (kept in its session state)."""

    request_log: RequestLog = field(default_factory=RequestLog)
    api_retired: bool = False
    notices: list[str] = field(default_factory=list)
    auto_models: dict[str, str] = field(default_factory=dict)
    account: VisitorAccount | None = None  # whose budget calls on the owner's token spend (None: no budget)
    loading_urls: set[str] = field(default_factory=set)  # base URLs that answered 503 and not answered since

    def pop_notices(self) -> list[str]:
        notices, self.notices = self.notices, []
        return notices
