#!/usr/bin/env python3
"""Benchmark the pytest plugin's per-test cost: N trivial tests (default 300) in a pytest subprocess.

    python scripts/bench_fixture.py
    python scripts/bench_fixture.py --tests 1000 --rounds 3

Variants (each test body is ``pass``; every run starts the session's server once, outside the timing):

- bare: the test asks for nothing but the session's server;
- fakevirt: the ``fakevirt`` fixture (a fresh host per test, the collector only when due);
- fakevirt, full gc: the same with a full ``gc.collect()`` after each test (the plugin before issue 15);
- state (K domains): ``@pytest.mark.fakevirt(state=...)`` loading a saved host of K domains per test.

The time is the test loop's (``pytest_runtestloop``) wall time; per test = (variant - bare) / N.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CONFTEST = '''
import gc, os, time
import pytest
from fakevirt.testing import ThreadedServer

if os.environ.get("BENCH_FULL_GC"):
    ThreadedServer.collect = staticmethod(lambda full=False: gc.collect())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    t = time.perf_counter()
    yield
    with open(os.environ["BENCH_OUT"], "w") as f:
        f.write(str(time.perf_counter() - t))


@pytest.fixture(scope="session", autouse=True)
def started(fakevirt_server):
    return fakevirt_server
'''

TESTS = {
    "bare": "def test_{i}():\n    pass\n",
    "fakevirt": "def test_{i}(fakevirt):\n    pass\n",
    "state": "@pytest.mark.fakevirt(state='prepared')\ndef test_{i}(prepared, fakevirt):\n    pass\n",
}

PREPARED = '''
import libvirt
import pytest
from fakevirt.testing import minimal_domain_xml

@pytest.fixture(scope="session")
def prepared(fakevirt_server):
    with fakevirt_server.preparing("prepared"):
        c = libvirt.open(fakevirt_server.uri())
        for i in range({domains}):
            d = c.defineXML(minimal_domain_xml(f"vm{{i}}"))
            if i % 2:
                d.create()
        c.close()
'''


def run(tmp: Path, kind: str, n: int, full_gc: bool = False, domains: int = 0) -> float:
    body = "import pytest\n" + (PREPARED.format(domains=domains) if kind == "state" else "")
    body += "\n".join(TESTS[kind].format(i=i) for i in range(n))
    (tmp / "test_bench.py").write_text(body)
    (tmp / "conftest.py").write_text(CONFTEST)
    out = tmp / "loop.txt"
    env = {**os.environ, "PYTHONPATH": str(REPO), "BENCH_OUT": str(out), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if full_gc:
        env["BENCH_FULL_GC"] = "1"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "fakevirt.testing.plugin", "-p", "no:cacheprovider",
                    str(tmp / "test_bench.py")], cwd=tmp, env=env, check=True, capture_output=True)
    return float(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    n = args.tests
    variants = [("bare", "bare", False, 0), ("fakevirt", "fakevirt", False, 0),
                ("fakevirt, full gc (before)", "fakevirt", True, 0),
                ("state (10 domains)", "state", False, 10), ("state (100 domains)", "state", False, 100)]
    with tempfile.TemporaryDirectory() as d:
        best = {name: min(run(Path(d), kind, n, full, doms) for _ in range(args.rounds))
                for name, kind, full, doms in variants}
    print(f"{n} trivial tests, best of {args.rounds} rounds, {os.cpu_count()} cores")
    print(f"{'variant':<30}{'loop s':>10}{'ms/test':>10}{'overhead ms/test':>18}")
    for name, t in best.items():
        print(f"{name:<30}{t:>10.3f}{t / n * 1000:>10.3f}{(t - best['bare']) / n * 1000:>18.3f}")


if __name__ == "__main__":
    main()
