"""The node process the parity tests share (one per test session)."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.parity.node_engine import NodeEngine, node_binary


@pytest.fixture(scope="session")
def node() -> str:
    """node's path; no node is a test failure with what to install, never a skip."""
    try:
        return node_binary()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def js(node: str) -> Iterator[NodeEngine]:
    with NodeEngine() as engine:
        yield engine


# The hostile tests' Hypothesis profiles (ci by default: 300 examples per property, derandomized).
from tests.hostile import conftest as _profiles  # noqa: E402,F401
