"""Assemble an Apache Kafka broker's jars from Maven Central, once, into a cache.

Why: the only places this project can download from are package registries; Maven Central
serves the real broker (`org.apache.kafka:kafka_2.13`) and its runtime dependencies, the
Apache download site with the release tarball is out of reach. `pom.xml` beside this file
lists the jars; Maven copies them into `<cache_dir>/kafka-<version>/lib`. A marker file is
written only after Maven succeeded, so an interrupted download is redone rather than used,
and a second call costs one `stat`.

Run `python -m infra.kafka.assembly` to fill the cache ahead of time (bootstrap does).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
from pathlib import Path

KAFKA_VERSION = "4.4.0"
POM = Path(__file__).with_name("pom.xml")
MARKER = "ASSEMBLED"


class AssemblyError(RuntimeError):
    """Maven could not supply the broker's jars (the message carries Maven's output)."""


def lib_dir(cache_dir: Path, version: str = KAFKA_VERSION) -> Path:
    """Where the jars of one Kafka version live (complete only once the marker exists)."""
    return cache_dir.resolve() / f"kafka-{version}" / "lib"


def is_assembled(cache_dir: Path, version: str = KAFKA_VERSION) -> bool:
    return (lib_dir(cache_dir, version).parent / MARKER).is_file()


def ensure_kafka_jars(cache_dir: Path, version: str = KAFKA_VERSION) -> Path:
    """Return the directory of the broker's jars, downloading them first if needed.

    A file lock serialises concurrent callers (two test sessions, a test and `run.sh`),
    so they never copy into the same directory at once.
    """
    target = lib_dir(cache_dir, version)
    if is_assembled(cache_dir, version):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / "assembly.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_assembled(cache_dir, version):
            _download(target, version)
            (target.parent / MARKER).write_text(f"kafka_2.13 {version}\n")
    return target


def _download(target: Path, version: str) -> None:
    """Copy the runtime dependencies into a scratch directory, then move it into place."""
    if shutil.which("mvn") is None:
        raise AssemblyError("`mvn` is not on PATH: install Maven (Debian package `maven`)")
    scratch = target.with_name("lib.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    command = [
        "mvn",
        "-q",
        "-B",
        "-f",
        str(POM),
        f"-Dkafka.version={version}",
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={scratch}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not any(scratch.glob(f"kafka_2.13-{version}.jar")):
        raise AssemblyError(
            f"{' '.join(command)} failed (exit {result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    shutil.rmtree(target, ignore_errors=True)
    scratch.rename(target)


def main(argv: list[str] | None = None) -> int:
    """`python -m infra.kafka.assembly CACHE_DIR`: fill the cache, print where the jars are."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m infra.kafka.assembly CACHE_DIR", file=sys.stderr)
        return 2
    print(ensure_kafka_jars(Path(arguments[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
