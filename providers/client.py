"""One session's model calls: retries, the serverless-410 fallback, streaming, usage and the request log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import openai

from providers.abort import shut_down
from providers.budget import check_request_size, estimate_tokens
from providers.catalog import AUTO_MODEL
from providers.debug import RequestRecord, logger
from providers.endpoint_state import EndpointState
from providers.errors import ProviderError, describe_error
from providers.provider import Provider
from providers.redaction import redact
from providers.registry import get_provider
from providers.retry import RetryCallback, RetryNotice, RetryPolicy, build_retrying
from providers.settings import CONFIGURED_ENDPOINT, ProviderSettings

Message = dict[str, Any]
TextCallback = Callable[[str], None]


class StopRequested(Exception):
    """Raised by a caller's ``on_text`` to end a streamed reply early; the stream is closed, not retried."""


@dataclass(frozen=True)
class Completion:
    """A model reply with what it cost."""

    text: str
    model: str
    latency_s: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    retries: int = 0
    first_token_s: float | None = None
    interrupted: str | None = None  # why a stream stopped early; ``text`` holds what arrived


class ModelClient:
    """Calls the model that ``settings`` name, with our retry policy and error wording."""

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        state: EndpointState | None = None,
        policy: RetryPolicy | None = None,
        provider: Provider | None = None,
        debug: bool = False,
    ) -> None:
        self.settings = settings
        self.state = state or EndpointState()
        self.policy = policy or RetryPolicy(max_retries=settings.max_retries)
        self.provider = provider or get_provider(settings.provider)
        self.debug = debug
        self._clients: dict[str, openai.OpenAI] = {}
        self._aborts = 0  # how many times abort() was called: a call started before the last one is stopped
        self._woken = threading.Event()  # set by abort(): a retry's wait ends at once

    # Where requests go -------------------------------------------------------------------
    @property
    def using_fallback(self) -> bool:
        """Whether this session's API is retired (then its fallback URL and model apply). A retirement this
        process learned from another session applies at once: no session pays the 410 again."""
        if not self.state.api_retired and self.provider.known_retired(self.settings):
            self.state.api_retired = True
            self.state.notices.append(self.provider.retirement_notice(self.settings.model))
        return self.state.api_retired

    def base_url(self) -> str:
        if self.using_fallback:
            return self.provider.fallback_base_url(self.settings)
        return self.provider.base_url(self.settings)

    def shown_endpoint(self) -> str:
        """Where requests go, in words a visitor may see: "the configured endpoint" for the owner's, else the URL."""
        return CONFIGURED_ENDPOINT if self.settings.endpoint_hidden else self.base_url()

    def shown_base_url(self) -> str:
        """``base_url`` as a visitor may see it: the owner's endpoint is "the configured endpoint"."""
        return redact(self.base_url(), (), self.settings.hidden)

    def abort(self) -> None:
        """End the calls under way now (Stop): their requests are cut, they raise ``StopRequested`` and are not
        retried; later calls run normally, on new connections."""
        self._aborts += 1
        self._woken.set()
        self._woken = threading.Event()
        for client in list(self._clients.values()):
            shut_down(getattr(client, "_client", None))
        self._clients.clear()

    def _client(self) -> openai.OpenAI:
        url = self.base_url()
        if url not in self._clients:
            override = url if self.using_fallback else None
            self._clients[url] = self.provider.create_client(self.settings, base_url=override)
        return self._clients[url]

    def model_id(self, on_retry: RetryCallback | None = None) -> str:
        """The model id to send: "auto" asks a dedicated endpoint's ``/v1/models`` (once per URL)."""
        model = self.settings.model.strip()
        if model in ("", AUTO_MODEL):
            url = self.base_url()
            if url not in self.state.auto_models:
                models = self.list_models(on_retry)
                if not models:
                    raise ProviderError("The endpoint lists no models: choose a model id in the sidebar.")
                self.state.auto_models[url] = models[0]
            model = self.state.auto_models[url]
        return self.provider.fallback_model(model) if self.using_fallback else model

    def slow_start_hint(self) -> str | None:
        """What a long wait for the first reply may mean with these settings, once the endpoint said it was
        loading."""
        return self.provider.slow_start_hint(self.settings, self.base_url() in self.state.loading_urls)

    # Calls ---------------------------------------------------------------------------------
    def list_models(self, on_retry: RetryCallback | None = None) -> list[str]:
        """The model ids the endpoint serves (``GET /v1/models``); failures become ``ProviderError``. On the
        owner's token it spends a call of the visitor's budget."""
        self._reserve(1, 0)
        started = time.monotonic()
        try:
            page = self._with_retries(lambda client, _model: client.models.list(), "GET", "/models", on_retry, "")
        except ProviderError:
            self._record((None, None), started, True, "list models")
            raise
        except Exception as error:
            self._record((None, None), started, True, "list models")
            raise describe_error(error, self.settings.secrets, self.settings.hidden) from None
        self._record((None, None), started, False, "list models")
        return [m.id for m in page.data]

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        on_retry: RetryCallback | None = None,
        on_text: TextCallback | None = None,
        extra_headers: dict[str, str] | None = None,
        about: str = "",
    ) -> Completion:
        """One chat completion; streamed (each piece to ``on_text``) when ``on_text`` is given. On the owner's
        token it first reserves a call and its most tokens in the visitor's budget (a request over the
        per-request limit is refused unsent), then settles them with the tokens the endpoint reports and records the
        call for the owner's usage table (``about``: what it was for, kept only if the owner asked for it)."""
        reserved = 0
        if self.settings.budget is not None:
            prompt = estimate_tokens(messages)
            check_request_size(prompt, self.settings.budget)
            reserved = prompt + max_tokens
        self._reserve(1, reserved)
        started, aborts = time.monotonic(), self._aborts
        try:
            completion = self._complete(messages, max_tokens, temperature, on_retry, on_text, extra_headers)
            if self._aborts != aborts:
                raise StopRequested  # a streamed reply cut by abort() is a stop, not a broken stream
        except StopRequested:
            self._record((None, None), started, False, about)
            raise  # the endpoint was generating: the reservation stands
        except BaseException:
            if self._aborts != aborts:
                self._record((None, None), started, False, about)
                raise StopRequested from None
            self._settle(reserved, 0)  # nothing came back: only the call counts
            self._record((None, None), started, True, about)
            raise
        used = completion.prompt_tokens, completion.completion_tokens
        self._settle(reserved, None if None in used else sum(used))  # type: ignore[arg-type]
        self._record(used, started, False, about)
        return completion

    def _record(self, used: tuple[int | None, int | None], started: float, failed: bool, about: str) -> None:
        """A finished call on the owner's token, for the owner's usage table."""
        if self.settings.budget is not None and self.state.account is not None:
            self.state.account.record(time.time(), used, time.monotonic() - started, failed, about)

    def _reserve(self, calls: int, tokens: int) -> None:
        if self.settings.budget is not None and self.state.account is not None:
            self.state.account.reserve(calls, tokens, self.settings.budget)

    def _settle(self, reserved: int, used: int | None) -> None:
        if self.settings.budget is not None and self.state.account is not None:
            self.state.account.settle(reserved, used)

    def _complete(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        on_retry: RetryCallback | None,
        on_text: TextCallback | None,
        extra_headers: dict[str, str] | None,
    ) -> Completion:
        started = time.monotonic()
        retries = [0]

        def count(notice: RetryNotice) -> None:
            retries[0] = notice.attempt
            if on_retry:
                on_retry(notice)

        def request(client: openai.OpenAI, model: str) -> Any:
            kwargs: dict[str, Any] = {
                "model": model,
                "messages": list(messages),
                "max_tokens": max_tokens,
                "temperature": temperature,
            }
            if on_text:
                kwargs |= {"stream": True, "stream_options": {"include_usage": True}}
            own = {name.lower() for name, _ in self.settings.headers}  # the person's own headers win
            ours = {k: v for k, v in self.provider.request_headers(self.settings).items() if k.lower() not in own}
            headers = ours | (extra_headers or {})
            return client.chat.completions.create(**kwargs, extra_headers=headers or None)

        try:
            response = self._with_retries(request, "POST", "/chat/completions", count)
        except openai.APIStatusError as error:
            retirement = self.provider.is_retirement(self.settings, error.status_code)
            if retirement:
                self.provider.note_retired(self.settings)  # every later session of this process goes to the fallback
            if retirement and not self.state.api_retired:
                self.state.api_retired = True
                self.state.notices.append(self.provider.retirement_notice(self.model_id()))
                return self._complete(messages, max_tokens, temperature, on_retry, on_text, extra_headers)
            raise describe_error(error, self.settings.secrets, self.settings.hidden) from None
        except ProviderError:
            raise
        except Exception as error:
            raise describe_error(error, self.settings.secrets, self.settings.hidden) from None
        if on_text:
            return self._read_stream(response, on_text, started, retries[0])
        return self._read_completion(response, started, retries[0])

    def _read_completion(self, response: Any, started: float, retries: int) -> Completion:
        choices = getattr(response, "choices", None)
        if not choices:
            raise ProviderError("The endpoint answered without a reply (no choices in the response).")
        usage = getattr(response, "usage", None)
        return Completion(
            text=choices[0].message.content or "",
            model=getattr(response, "model", None) or self.settings.model,
            latency_s=time.monotonic() - started,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            retries=retries,
        )

    def _read_stream(self, stream: Any, on_text: TextCallback, started: float, retries: int) -> Completion:
        pieces: list[str] = []
        model = self.settings.model
        usage = None
        first_token_s = None
        interrupted = None
        finished = False
        try:
            for chunk in stream:
                model = getattr(chunk, "model", None) or model
                usage = getattr(chunk, "usage", None) or usage
                for choice in getattr(chunk, "choices", None) or []:
                    finished = finished or bool(getattr(choice, "finish_reason", None))
                    piece = getattr(choice.delta, "content", None) if choice.delta else None
                    if piece:
                        if first_token_s is None:
                            first_token_s = time.monotonic() - started
                        pieces.append(piece)
                        on_text(piece)
        except StopRequested:
            raise
        except Exception as error:
            reason = describe_error(error, self.settings.secrets, self.settings.hidden).message
            if not pieces:
                raise ProviderError(f"The stream broke before any text arrived: {reason}") from None
            interrupted = f"The reply was cut off after {len(''.join(pieces))} characters: {reason}"
            self._log("STREAM", "/chat/completions", "broken", started, retries, model)
        else:
            if not finished and pieces:
                interrupted = (
                    f"The reply was cut off after {len(''.join(pieces))} characters: "
                    "the connection closed before the endpoint finished."
                )
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        return Completion(
            text="".join(pieces),
            model=model,
            latency_s=time.monotonic() - started,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            retries=retries,
            first_token_s=first_token_s,
            interrupted=interrupted,
        )

    # Plumbing ------------------------------------------------------------------------------
    def _with_retries(
        self,
        call: Callable[[openai.OpenAI, str], Any],
        method: str,
        path: str,
        on_retry: RetryCallback | None,
        model: str | None = None,
    ) -> Any:
        client = self._client()
        model_id = self.model_id(on_retry) if model is None else model
        attempt_number = [0]
        aborts = self._aborts

        def attempt() -> Any:
            started = time.monotonic()
            if self._aborts != aborts:
                raise StopRequested  # stopped while waiting to retry: never sent again
            try:
                result = call(client, model_id)
            except Exception as error:
                if self._aborts != aborts:
                    raise StopRequested from None  # the request was cut by abort(): not a failure to retry
                if getattr(error, "status_code", None) == 503:
                    self.state.loading_urls.add(self.base_url())
                self._log(
                    method,
                    path,
                    str(getattr(error, "status_code", type(error).__name__)),
                    started,
                    attempt_number[0],
                    model_id,
                )
                raise
            self.state.loading_urls.discard(self.base_url())
            self._log(method, path, "200", started, attempt_number[0], model_id)
            return result

        def before_retry(notice: RetryNotice) -> None:
            attempt_number[0] = notice.attempt
            if self.debug:
                logger.debug(redact(f"retry decision: {notice}", self.settings.secrets))
            if on_retry:
                on_retry(notice)

        woken = self._woken
        policy = self.policy
        if policy.sleep is time.sleep:  # a wait before a retry ends when the call is aborted
            policy = replace(policy, sleep=woken.wait)
        return build_retrying(policy, before_retry)(attempt)

    def _log(
        self,
        method: str,
        path: str,
        status: str,
        started: float,
        retry: int,
        model: str,
    ) -> None:
        ms = (time.monotonic() - started) * 1000
        url = self.shown_base_url().rstrip("/") + path  # the sidebar lists it: the owner's URL stays hidden
        self.state.request_log.add(RequestRecord(method, url, status, ms, retry, model))
        if self.debug:  # the server log is the owner's: it names the real URL
            kind = self.settings.endpoint_type.value
            real = self.base_url().rstrip("/") + path
            line = f"{method} {real} type={kind} model={model} status={status} {ms:.0f} ms retry={retry}"
            logger.debug(redact(line, self.settings.secrets))
