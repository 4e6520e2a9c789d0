"""A secrets file that does not parse: the app opens unconfigured and says so (where the error is, never what the
file holds); the server log names it too."""

from __future__ import annotations

from pathlib import Path

from tests.support.stream_session import StreamSession
from tests.support.streamlit_server import ROOT, running_app_process

SECRET = "hf_BrokenSecretsFile0000001"


def test_a_secrets_file_that_does_not_parse_is_named_on_the_page_and_in_the_log(tmp_path: Path) -> None:
    broken = tmp_path / "secrets.toml"
    broken.write_text(f'HUGGINGFACE_API_KEY = "{SECRET}"\nthis line is not TOML\n', encoding="utf-8")
    with running_app_process({"STREAMLIT_SECRETS_FILES": str(broken)}) as (url, process):
        with StreamSession(url).open() as session:
            session.wait_for_text("secrets file could not be read (a TOML error at line 2")
            page = session.page_text()
            assert "the app runs as if it had none" in page and SECRET not in page
            assert "HuggingFace API key required" in page  # unconfigured, not broken
        port = url.rsplit(":", 1)[1]
    log = (ROOT / "test-artifacts" / f"streamlit-{port}.log").read_text()
    assert "The secrets file could not be read (a TOML error at line 2" in log and SECRET not in log
