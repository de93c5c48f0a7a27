"""bench.stack stops what it started, even when the caller fails, and reads CPU from /proc."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from bench.stack import Stack, port_free, tree_cpu_seconds


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_services_are_stopped_when_the_caller_fails(tmp_path):
    port = 16990
    with pytest.raises(RuntimeError), Stack(tmp_path) as stack:
        redis = stack.start_redis(port)
        assert redis.alive() and not port_free(port)
        pid = redis.pid
        raise RuntimeError("the harness failed")
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    assert port_free(port)


def test_cpu_of_a_process_tree_counts_exited_children():
    burn = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'sum(range(10**8))'])"
    parent = subprocess.Popen([sys.executable, "-c", burn + "; input()"], stdin=subprocess.PIPE)
    try:
        # The grandchild exits and is reaped by the parent, which still runs.
        for _ in range(200):
            if tree_cpu_seconds(parent.pid) > 0.3:
                break
            subprocess.run(["sleep", "0.05"])
        assert tree_cpu_seconds(parent.pid) > 0.3
    finally:
        parent.communicate(b"\n", timeout=10)
