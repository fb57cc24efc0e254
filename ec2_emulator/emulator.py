"""The in-process emulator for pytest.

Why this exists: most tests want moto's EC2 with the 2025 AMI API, in-process, with the
controls at hand. ``Ec2Emulator`` starts ``moto.mock_aws``, installs the extension and hands out
boto3 clients, which validate every request against AWS's model.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from .controls import EmulatorControls, ec2_client, prepare_environment
from .patch import install, uninstall
from .state import activate, deactivate

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

__all__ = ["Ec2Emulator"]


class Ec2Emulator(EmulatorControls):
    """``with Ec2Emulator() as emulator: ec2 = emulator.client()``.

    One emulator per process at a time (moto's backends are global). On exit the moto mock
    stops (all resources are dropped) and the extension is uninstalled if this emulator was the
    one that installed it; the request log stays readable until the next ``start()``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._mock: Any = None
        self._installed_here = False

    @property
    def running(self) -> bool:
        return self._mock is not None

    def start(self) -> Self:
        if self._mock is not None:
            raise RuntimeError("this emulator is already running")
        prepare_environment()
        activate(self.state)
        self.state.reset()
        try:
            import moto

            self._installed_here = install()
            mock = moto.mock_aws()
            mock.start()
        except BaseException:
            deactivate(self.state)
            if self._installed_here:
                uninstall()
            raise
        self._mock = mock
        return self

    def stop(self) -> None:
        if self._mock is None:
            return
        try:
            self._mock.stop()
        finally:
            self._mock = None
            if self._installed_here:
                uninstall()
                self._installed_here = False
            deactivate(self.state)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def client(self, region: str | None = None) -> EC2Client:
        """A boto3 EC2 client bound to this emulator (dummy credentials, moto's account)."""
        if self._mock is None:
            raise RuntimeError("start the emulator first")
        name = region or self.region
        # The AWS endpoint itself: moto intercepts it, and an AWS_ENDPOINT_URL_EC2 in the
        # environment (meant for the server mode) can't divert the client.
        return ec2_client(name, f"https://ec2.{name}.amazonaws.com")
