"""Where Chromium is and how it is started for browser tests and benchmarks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Tabs of one site share a few renderer processes, as a desktop Chromium does once it has many tabs open: a
    # test's many tabs then compile the app's scripts a few times, not once per tab. Contexts never share one.
    "--renderer-process-limit=3",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# For every page the tests open: nothing animates (Streamlit's running icon, spinners and skeletons redraw the page
# many times a second). What a page shows and when is unchanged; Chromium draws less while the tests wait.
STILL_PAGE_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => {
  const still = document.createElement("style");
  still.textContent = "*, *::before, *::after { animation: none !important; transition: none !important; }";
  document.head.append(still);
});
"""
