from providers.debug import LOGGER_NAME, RequestLog, RequestRecord, debug_requested
from providers.redaction import redact


def test_tokens_are_redacted_by_value_and_by_shape() -> None:
    text = "key=secret-value-9 auth Bearer abc.def token hf_AbCdEf123456 and hf_short"
    cleaned = redact(text, ["secret-value-9"])
    assert "secret-value-9" not in cleaned
    assert "abc.def" not in cleaned
    assert "hf_AbCdEf123456" not in cleaned
    assert cleaned.count("hf_***") == 3


def test_debug_is_requested_by_env_or_query_param() -> None:
    assert debug_requested({"DEBUG": "huggingface-provider"})
    assert debug_requested({"DEBUG": "other,huggingface-provider"})
    assert debug_requested({"DEBUG": "*"})
    assert debug_requested({}, query_value=["huggingface-provider"])
    assert not debug_requested({"DEBUG": "other"}, query_value="nope")
    assert LOGGER_NAME == "huggingface-provider"


def test_request_log_keeps_the_most_recent_first_and_is_bounded() -> None:
    log = RequestLog(size=3)
    for index in range(5):
        log.add(RequestRecord("POST", f"http://h/{index}", "200", 1.0, 0, "m"))
    assert [row["url"] for row in log.rows()] == ["http://h/4", "http://h/3", "http://h/2"]
