"""Who may use the owner's token: the sign-in settings, the allow-list and a sign-in's age."""

from __future__ import annotations

import pytest

from providers.access import AccessRules, decide_access, provider_label, read_access_rules

NOW = 1_800_000_000.0
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s"}
RULES = AccessRules(
    sign_in=True,
    providers=("huggingface",),
    emails=frozenset({"ana@example.com"}),
    domains=frozenset({"team.org"}),
    orgs=frozenset({"acme"}),
    owners=frozenset({"owner@example.com"}),
)


def signed_in(**claims: object) -> dict[str, object]:
    return {"is_logged_in": True, "iat": NOW - 60, "sub": "s-1", "email_verified": True} | claims


def test_no_auth_section_keeps_the_app_open_as_before() -> None:
    rules = read_access_rules({"access": {"allowed_emails": ["a@b.c"]}})
    assert not rules.sign_in
    access = decide_access(rules, None, NOW)
    assert access.may_use_owner_token and not access.signed_in and access.message == ""


def test_providers_are_the_named_sections_or_the_one_unnamed() -> None:
    named = AUTH | {"huggingface": {"client_id": "x"}, "google": {"client_id": "y"}}
    assert read_access_rules({"auth": named}).providers == ("huggingface", "google")
    assert read_access_rules({"auth": AUTH | {"client_id": "x", "server_metadata_url": "u"}}).providers == ("",)
    assert not read_access_rules({"auth": AUTH}).sign_in  # no provider: sign-in is not configured
    assert provider_label("huggingface") == "Hugging Face" and provider_label("my_idp") == "My Idp"


def test_the_allow_list_reads_lists_or_comma_separated_text_and_ignores_the_wrong_kinds() -> None:
    rules = read_access_rules(
        {
            "auth": AUTH | {"google": {}},
            "access": {
                "allowed_emails": "Ana@Example.com, bo@x.org",
                "allowed_domains": ["@Team.org"],
                "allowed_orgs": 7,
                "session_minutes": "soon",
                "usage_questions": "yes",
            },
        }
    )
    assert rules.emails == {"ana@example.com", "bo@x.org"} and rules.domains == {"team.org"}
    assert rules.orgs == frozenset() and rules.session_minutes == 480 and rules.usage_questions is False


@pytest.mark.parametrize(
    ("claims", "allowed"),
    [
        (signed_in(email="ANA@example.com"), True),  # an address on the list, in any case
        (signed_in(email="zoe@team.org"), True),  # a domain on the list
        (signed_in(email="zoe@sub.team.org"), False),  # another domain
        (signed_in(email="zoe@else.com", orgs=[{"preferred_username": "acme", "sub": "1"}]), True),  # a HF org
        (signed_in(email="zoe@else.com", orgs=[{"preferred_username": "other"}]), False),
        (signed_in(email="ana@example.com", email_verified=False), False),  # an unverified address proves nothing
        (signed_in(email="owner@example.com"), True),
        (signed_in(email="zoe@else.com"), False),
    ],
)
def test_only_people_on_the_allow_list_use_the_owner_s_token(claims: dict[str, object], allowed: bool) -> None:
    access = decide_access(RULES, claims, NOW)
    assert access.signed_in and access.may_use_owner_token is allowed
    assert (access.message == "") is allowed
    assert access.is_owner is (claims.get("email") == "owner@example.com")


def test_nobody_signed_in_and_an_old_sign_in_are_refused_with_a_plain_reason() -> None:
    nobody = decide_access(RULES, None, NOW)
    assert not nobody.may_use_owner_token and "sign in" in nobody.message and "your own" in nobody.message
    old = decide_access(RULES, signed_in(email="ana@example.com", iat=NOW - 481 * 60), NOW)
    assert old.expired and not old.signed_in and not old.may_use_owner_token and "expired" in old.message
    fresh = decide_access(RULES, signed_in(email="ana@example.com", iat=NOW - 479 * 60), NOW)
    assert fresh.may_use_owner_token


def test_a_sign_in_without_an_e_mail_is_its_subject_and_on_no_list() -> None:
    access = decide_access(RULES, signed_in(sub="user-42"), NOW)
    assert access.person == "user-42" and not access.may_use_owner_token
    nobody = decide_access(RULES, {"is_logged_in": True, "iat": NOW}, NOW)
    assert not nobody.signed_in and not nobody.may_use_owner_token and "no identity" in nobody.message
