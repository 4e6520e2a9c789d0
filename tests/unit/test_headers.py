import pytest

from providers.headers import InvalidHeaders, parse_headers


def test_name_value_lines_become_headers() -> None:
    text = "X-Custom-Header: custom-value\n\nX-Scale-Up-Timeout: 600\r\nX-Other:a:b"
    assert parse_headers(text) == {"X-Custom-Header": "custom-value", "X-Scale-Up-Timeout": "600", "X-Other": "a:b"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no colon here", "must look like"),
        (": value", "empty header name"),
        ("Bad Name: v", "may only hold"),
        ("X-A: bad\x00value", "control character"),
        ("X-A: tab\x7f", "control character"),
        ("Host: evil", "cannot be overridden"),
        ("Content-Length: 5", "cannot be overridden"),
    ],
)
def test_bad_headers_are_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(InvalidHeaders, match=message):
        parse_headers(text)


def test_empty_text_means_no_headers() -> None:
    assert parse_headers("  \n ") == {}
