"""Requests that get no response: the error names the host, the reason and what to check, and a
permanent cause fails at once. Each kind runs against a real local socket (a closed port, a name
that cannot exist, a TLS server with a self-signed certificate, a server that never answers, a
server that hangs up, a dead proxy); attempts are counted by the server or by the client's retry
warnings. The messages, logs and traceback locals never hold the client secret or the token.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fivetran_connector_sdk import Logging

import connector
from tests.conftest import FERNET_KEY, virtual_time
from tests.fake_toast import FakeToast

SECRET = "client-secret-that-must-never-leak"
TOKEN = "cached-token-that-must-never-leak"
LOGIN = "/authentication/v1/authentication/login"
ATTEMPTS = connector._MAX_TRANSIENT_ATTEMPTS


@pytest.fixture(autouse=True)
def _logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's logger needs a level (the runner sets it; these tests call the client)."""
    monkeypatch.setattr(Logging, "LOG_LEVEL", Logging.Level.INFO)


def configuration(domain: str) -> dict[str, str]:
    return {
        "clientId": "client-id",
        "clientSecret": SECRET,
        "userAccessType": "TOAST_MACHINE_CLIENT",
        "domain": domain,
        "initialSyncStart": "2026-09-01T00:00:00.000Z",
        "key": FERNET_KEY,
    }


def cached_token() -> str:
    """State's encrypted token: a GET then carries `Bearer TOKEN` without logging in."""
    plain = {"accessToken": TOKEN, "expiresAt": time.time() + 86400}
    return Fernet(FERNET_KEY.encode()).encrypt(json.dumps(plain).encode()).decode()


def failure_of(domain: str, with_token: bool = False) -> connector.ToastHalt:
    """The error a sync's first request gets: the login, or with a cached token a GET."""
    settings = connector.validate_configuration(configuration(domain))
    tokens = connector.TokenCache(settings.fernet, cached_token() if with_token else None)
    with virtual_time() as virtual:
        client = connector.ToastClient(settings, tokens, sleep=virtual.sleep, clock=virtual.clock)
        try:
            with pytest.raises(connector.ToastHalt) as failure:
                client.get("/partners/v1/restaurants", None)
        finally:
            client.close()
    return failure.value


def retries(log: str) -> int:
    """Retry warnings the client logged (each attempt after the first is announced)."""
    return sum(1 for line in log.splitlines() if "WARNING" in line and "; retry " in line)


def connection_test(domain: str) -> str:
    """The setup form's connection test, run as the SDK runs it."""
    with virtual_time():
        response = connector.connector.run_test("test_connection", configuration(domain))
    assert not response.success
    return response.failure


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalServer:
    """A TCP server on 127.0.0.1 that hands each connection to `serve` in a thread and counts
    the connections (one per attempt: a failed connection is never reused)."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self._serve = serve
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed by close()
                return
            self.connections += 1
            self._open.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def close(self) -> None:
        self._listener.close()
        for connection in self._open:
            connection.close()


@contextmanager
def local_server(serve: Callable[[socket.socket], None]) -> Iterator[LocalServer]:
    server = LocalServer(serve)
    try:
        yield server
    finally:
        server.close()


def never_answer(connection: socket.socket) -> None:
    """Accept and read, never answer (the connection stays open until the test ends)."""
    with _quietly():
        while connection.recv(65536):
            pass


def hang_up(connection: socket.socket) -> None:
    """Read the request, then close without a response."""
    with _quietly():
        connection.recv(65536)
    connection.close()


@contextmanager
def _quietly() -> Iterator[None]:
    try:
        yield
    except OSError:  # the client or close() ended the connection: nothing to serve
        return


def self_signed_tls(directory: Path) -> Callable[[socket.socket], None]:
    """A handler that speaks TLS with a throwaway self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")

    def serve(connection: socket.socket) -> None:
        with _quietly(), context.wrap_socket(connection, server_side=True) as tls:
            tls.recv(65536)  # the client rejects the certificate: the handshake fails here

    return serve


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest points HTTP(S)_PROXY at a dead port for everything but 127.0.0.1; a test that
    needs a real name lookup goes direct."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------- each kind of failure


def test_given_a_closed_port_then_refused_is_named_with_the_host_and_retried(
    capfd: pytest.CaptureFixture[str],
) -> None:
    port = closed_port()

    error = str(failure_of(f"http://127.0.0.1:{port}"))

    assert error.startswith(f"POST {LOGIN} failed {ATTEMPTS} times in a row: ")
    assert f"127.0.0.1:{port} refused the connection" in error
    assert "'domain'" in error
    assert "Toast's status" in error
    assert retries(capfd.readouterr().out) == ATTEMPTS - 1


def test_given_a_host_name_that_does_not_exist_then_it_fails_at_once_naming_it(
    no_proxy: None, capfd: pytest.CaptureFixture[str]
) -> None:
    error = str(failure_of("nonexistent.invalid"))

    assert error.startswith(f"POST {LOGIN}: the host name nonexistent.invalid was not found")
    assert "spelling of the configuration key 'domain'" in error
    assert "Not retried" in error
    assert retries(capfd.readouterr().out) == 0


def test_given_a_resolver_that_cannot_answer_then_the_lookup_is_retried(
    no_proxy: None, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # A DNS server that is down or slow answers EAI_AGAIN, not "no such name": that can pass.
    lookups: list[str] = []

    def resolver_down(host: str, *args: object, **kwargs: object) -> list:
        lookups.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", resolver_down)

    error = str(failure_of("ws-api.toasttab.com"))

    assert "the host name ws-api.toasttab.com could not be resolved" in error
    assert "Temporary failure in name resolution" in error
    assert f"failed {ATTEMPTS} times" in error
    assert lookups == ["ws-api.toasttab.com"] * ATTEMPTS
    assert retries(capfd.readouterr().out) == ATTEMPTS - 1


def test_given_a_self_signed_certificate_then_it_fails_at_once_as_not_trusted(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with local_server(self_signed_tls(tmp_path)) as server:
        error = str(failure_of(f"https://127.0.0.1:{server.port}"))
        attempts = server.connections

    assert f"the TLS certificate of 127.0.0.1:{server.port} is not trusted" in error
    assert "self-signed certificate" in error
    assert "'domain'" in error
    assert "Not retried" in error
    assert attempts == 1
    assert retries(capfd.readouterr().out) == 0


def test_given_https_to_a_plain_http_host_then_it_fails_at_once_naming_the_scheme() -> None:
    with FakeToast() as server:
        port = server.port
        error = str(failure_of(f"https://127.0.0.1:{port}"))
        attempts = len(server.requests)

    assert f"127.0.0.1:{port} does not speak TLS (https)" in error
    assert "http://" in error
    assert attempts == 0  # the fake never saw a request it could read


def test_given_a_server_that_never_answers_then_the_timeout_is_named_and_retried(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(connector, "_REQUEST_TIMEOUT_SECONDS", 0.2)
    with local_server(never_answer) as server:
        error = str(failure_of(f"http://127.0.0.1:{server.port}"))
        attempts = server.connections

    assert f"failed {ATTEMPTS} times in a row" in error
    assert f"127.0.0.1:{server.port} sent no answer within 0.2 s" in error
    assert "Toast's status" in error
    assert attempts == ATTEMPTS
    assert retries(capfd.readouterr().out) == ATTEMPTS - 1


def test_given_a_server_that_hangs_up_then_the_closed_connection_is_named_and_retried() -> None:
    with local_server(hang_up) as server:
        error = str(failure_of(f"http://127.0.0.1:{server.port}"))
        attempts = server.connections

    assert f"127.0.0.1:{server.port} closed the connection without a complete answer" in error
    assert attempts == ATTEMPTS


def test_given_a_dead_proxy_then_the_proxy_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "localhost")

    error = str(failure_of("ws-api.toasttab.com"))

    assert "the proxy failed to connect to ws-api.toasttab.com:443 (Connection refused)" in error
    assert "HTTPS_PROXY" in error
    assert f"failed {ATTEMPTS} times" in error


# ---------------------------------------------------------------- the setup form


def test_given_a_host_name_that_does_not_exist_then_the_connection_test_says_so(
    no_proxy: None,
) -> None:
    failure = connection_test("nonexistent.invalid")

    assert "the host name nonexistent.invalid was not found" in failure
    assert "spelling of the configuration key 'domain'" in failure


def test_given_a_self_signed_certificate_then_the_connection_test_says_so(
    tmp_path: Path,
) -> None:
    with local_server(self_signed_tls(tmp_path)) as server:
        failure = connection_test(f"https://127.0.0.1:{server.port}")

    assert f"the TLS certificate of 127.0.0.1:{server.port} is not trusted" in failure
    assert "self-signed certificate" in failure


# ---------------------------------------------------------------- secrets


def crash_report_locals(error: BaseException) -> str:
    """What the SDK's crash report prints for an error: every frame's local variables (sdk_notes
    §5), here with their reprs uncut."""
    lines = []
    frame = error.__traceback__
    while frame is not None:
        lines += [f"{n} = {v!r}" for n, v in frame.tb_frame.f_locals.items()]
        frame = frame.tb_next
    return "\n".join(lines)


def test_no_failure_message_log_or_traceback_holds_a_secret(
    tmp_path: Path,
    no_proxy: None,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(connector, "_REQUEST_TIMEOUT_SECONDS", 0.2)
    seen: list[str] = []
    with (
        local_server(self_signed_tls(tmp_path)) as tls,
        local_server(never_answer) as silent,
        local_server(hang_up) as closing,
    ):
        domains = [
            f"http://127.0.0.1:{closed_port()}",
            "nonexistent.invalid",
            f"https://127.0.0.1:{tls.port}",
            f"http://127.0.0.1:{silent.port}",
            f"http://127.0.0.1:{closing.port}",
        ]
        for domain in domains:
            for with_token in (False, True):  # the login's body, then a GET's bearer header
                error = failure_of(domain, with_token)
                seen += [str(error), repr(error), crash_report_locals(error)]
        seen += [connection_test(domain) for domain in domains[:3]]
    captured = capfd.readouterr()
    seen += [captured.out, captured.err]

    text = "\n".join(seen)
    assert SECRET not in text
    assert TOKEN not in text
    assert "clientSecret" not in text  # nor any part of the login body
    assert text.count("refused the connection") >= 2  # the failures did happen
    assert text.count("sent no answer") >= 2
