"""A description of the machine a bench ran on, for the results and the README."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from infra.kafka.assembly import KAFKA_VERSION


def describe_machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(_meminfo_kib("MemTotal") / 1024**2, 1),
        "cpu_model": _cpuinfo("model name"),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "kafka": KAFKA_VERSION,
        "load_average": os.getloadavg(),
    }


def _meminfo_kib(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def _cpuinfo(key: str) -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
    return "unknown"
