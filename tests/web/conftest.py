"""Fixtures of the web tests: a data dir filled from the sample, an app over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from casebook.web import create_app
from tests.web.support import NOW, fill_data_dir, web_settings


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Filled once per session; tests only read it."""
    data_dir = tmp_path_factory.mktemp("sample-views")
    fill_data_dir(web_settings(data_dir))
    return data_dir


@pytest.fixture
def client(sample_data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings(sample_data_dir), clock=lambda: NOW)) as test_client:
        yield test_client
