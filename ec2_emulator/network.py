"""Network faults of the emulator server: its endpoint going dark, an answer held back.

Why this exists: crash-consistency tests drive the provider through the real Pulumi CLI, in
other processes, and need what a real network does to them: connections refused while the
endpoint is down, a request carried out whose answer never arrives, an answer that arrives late.
Only real sockets give other processes those errors, so the server's public endpoint is a TCP
relay (:class:`TcpRelay`) in front of the HTTP server: it closes its listening socket for an
outage and binds the same port again afterwards. :class:`NetworkFaults` decides when, and is
told by the WSGI layer (which knows each request's ``Action``) when a request it waits for has
been carried out. Standard library only.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable
from functools import cache

__all__ = ["NetworkFaults", "TcpRelay", "ec2_action_names"]

_CHUNK = 65536


@cache
def ec2_action_names() -> frozenset[str]:
    """Every EC2 action of the installed botocore model (``RegisterImage``, ...)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    return frozenset(model.operation_names)


class _Connection:
    """One client connection and its connection to the HTTP server, relayed both ways."""

    def __init__(
        self, client: socket.socket, server: socket.socket, forget: Callable[[_Connection], None]
    ) -> None:
        self._sockets = (client, server)
        self._forget = forget
        self._lock = threading.Lock()
        self._running = 2

    def start(self) -> None:
        client, server = self._sockets
        for source, sink in ((client, server), (server, client)):
            threading.Thread(
                target=self._pump, args=(source, sink), name="ec2-emulator-relay", daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            self.close()
        with self._lock:
            self._running -= 1
            last = self._running == 0
        if last:
            # Only the last pump closes the sockets: no thread reads a closed one.
            for sock in self._sockets:
                sock.close()
            self._forget(self)

    def close(self) -> None:
        """Close both ends without an answer; the pumps wake up and finish."""
        for sock in self._sockets:
            with contextlib.suppress(OSError):  # already shut by the other side
                sock.shutdown(socket.SHUT_RDWR)


class TcpRelay:
    """A listening TCP port whose connections are relayed to ``target``; it can go dark.

    :meth:`close` closes the listening socket (a new connection is refused, as when the
    endpoint is down), then every open connection (closed without an answer); :meth:`open`
    binds the same port again (``SO_REUSEADDR``: connections left in ``TIME_WAIT`` don't
    block it).
    """

    def __init__(self, host: str, port: int, target: tuple[str, int]) -> None:
        self.host = host
        self.port = port
        self._target = target
        self._lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._acceptor: tuple[threading.Thread, socket.socket] | None = None

    @property
    def is_open(self) -> bool:
        return self._acceptor is not None

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
            listener.listen(128)
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        wake_reader, wake_writer = socket.socketpair()
        thread = threading.Thread(
            target=self._accept,
            args=(listener, wake_reader),
            name="ec2-emulator-endpoint",
            daemon=True,
        )
        self._acceptor = (thread, wake_writer)
        thread.start()

    def stop_listening(self) -> None:
        """From now on a new connection is refused."""
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            thread, wake_writer = acceptor
            wake_writer.send(b"\0")
            thread.join()
            wake_writer.close()

    def drop_connections(self) -> None:
        """Close every open connection without an answer."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    def close(self) -> None:
        self.stop_listening()
        # The acceptor has stopped: no connection is added from here on.
        self.drop_connections()

    def _accept(self, listener: socket.socket, wake_reader: socket.socket) -> None:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(listener, selectors.EVENT_READ)
                selector.register(wake_reader, selectors.EVENT_READ)
                while True:
                    ready = {key.fileobj for key, _ in selector.select()}
                    if wake_reader in ready:
                        return
                    try:
                        client, _ = listener.accept()
                    except OSError:
                        continue
                    self._relay(client)
        finally:
            listener.close()
            wake_reader.close()

    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self._target)
        except OSError:
            client.close()
            return
        connection = _Connection(client, server, self._forget)
        with self._lock:
            self._connections.add(connection)
        connection.start()

    def _forget(self, connection: _Connection) -> None:
        with self._lock:
            self._connections.discard(connection)


class NetworkFaults:
    """The cuts and holds asked of one server (see ``EmulatorServer.cut`` and ``.hold``)."""

    def __init__(self, relay: TcpRelay) -> None:
        self._relay = relay
        self._lock = threading.Lock()
        self._cut_after: tuple[str, float] | None = None
        self._hold: tuple[str, float] | None = None
        self._outage = 0
        self._timer: threading.Timer | None = None
        self.cut_started = threading.Event()
        self.cut_over = threading.Event()
        self.cut_over.set()
        self.held = threading.Event()
        self._released = threading.Event()
        self._closed = False

    @property
    def armed(self) -> bool:
        """Whether some request's action is awaited (the WSGI layer looks only then)."""
        return self._cut_after is not None or self._hold is not None

    def cut(self, seconds: float, after: str | None) -> None:
        _check(seconds, after)
        with self._lock:
            self.cut_started.clear()
            self._cut_after = None if after is None else (after, seconds)
        if after is None:
            self._start_outage(seconds)

    def hold(self, action: str, seconds: float) -> None:
        _check(seconds, action)
        with self._lock:
            self.held.clear()
            self._released.clear()
            self._hold = (action, seconds)

    def release(self) -> None:
        """Send the held answer now (before a hold has caught its request: don't hold it)."""
        self._released.set()

    def carried_out(self, action: str) -> Callable[[], None] | None:
        """What must happen once a request of ``action`` is carried out, before its answer is
        sent: the outage a cut waits for (its answer is then lost with the connection), or the
        hold; ``None`` if neither waits for this action. Each fires for one request only."""
        with self._lock:
            if self._cut_after is not None and self._cut_after[0] == action:
                seconds = self._cut_after[1]
                self._cut_after = None
                return lambda: self._start_outage(seconds)
            if self._hold is not None and self._hold[0] == action:
                seconds = self._hold[1]
                self._hold = None
                return lambda: self._hold_answer(seconds)
        return None

    def _hold_answer(self, seconds: float) -> None:
        self.held.set()
        self._released.wait(seconds)

    def _start_outage(self, seconds: float) -> None:
        with self._lock:
            if self._closed:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._outage += 1
            self._timer = threading.Timer(seconds, self.end_outage, args=(self._outage,))
            self._timer.daemon = True
            self.cut_over.clear()
            self._relay.stop_listening()
            # Set between the two steps: whoever sees the event is refused, and whoever sees
            # its connection closed finds the event set.
            self.cut_started.set()
            self._relay.drop_connections()
            self._timer.start()

    def end_outage(self, outage: int | None = None) -> None:
        """Answer again on the same port; ``outage`` (the timer's) ends only that outage.
        Without it, also forget a cut still waiting for its action."""
        with self._lock:
            if self._closed or (outage is not None and outage != self._outage):
                return
            if outage is None:
                self._cut_after = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if not self._relay.is_open:
                self._relay.open()
            self.cut_over.set()

    def close(self) -> None:
        """Forget every fault and let a held answer go (the server is stopping)."""
        with self._lock:
            self._closed = True
            self._cut_after = None
            self._hold = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self._released.set()


def _check(seconds: float, action: str | None) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        raise ValueError("seconds must be a number > 0")
    if action is not None and action not in ec2_action_names():
        raise ValueError(f"not an EC2 action: {action!r} (expected a name like 'RegisterImage')")
