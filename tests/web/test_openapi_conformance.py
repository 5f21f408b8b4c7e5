"""schemathesis, as a generated client's author would run it, against a real `casebook
serve` over the sample's views: every check (`--checks all`: server errors, status codes,
content types, headers, response schemas, negative and positive data, auth ignored or
not) on every operation of /openapi.json, in every phase (examples, coverage, fuzzing,
stateful over the pagination link)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.web.served import serving
from tests.web.support import TOKEN_OF, fill_data_dir, web_settings

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_every_answer_matches_the_openapi_description(tmp_path: Path) -> None:
    settings = web_settings(tmp_path)
    fill_data_dir(settings)
    schemathesis = Path(sys.executable).parent / "schemathesis"
    with serving(tmp_path) as (base, _log):
        run = subprocess.run(
            [
                str(schemathesis),
                "--config-file",
                str(CONFIG),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {TOKEN_OF['admin']}",
                "--max-examples",
                "40",
                "--seed",
                "20261207",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "Tested: 6" in run.stdout
