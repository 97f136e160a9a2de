"""`wrk`, the C load generator, driving one endpoint; figures come back as JSON.

A Python client on the same two cores measures itself as much as the server (an
asyncio client tops out near 500 requests/s where `wrk` drives the same endpoint to
several thousand), so the gate benchmark uses `wrk`. It is a Debian package: when it
is missing and this process may use apt-get, it is installed; otherwise the benchmark
says so instead of measuring the client.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

# Runs in every wrk thread. Arguments: mode ("gate" or "get"), bearer token, and the ids
# file (gate: a random registered system per request) or the path to GET. Prints one
# JSON line with the figures.
SCRIPT = """
local mode, token, target, ids = "get", "", "/", {}
function init(args)
  mode, token, target = args[1], args[2], args[3]
  if mode == "gate" then
    for line in io.lines(target) do ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003))
end
function request()
  local headers = {["Authorization"] = "Bearer " .. token}
  if mode == "gate" then
    headers["Content-Type"] = "application/json"
    local body = '{"system_id":"' .. ids[math.random(#ids)]
      .. '","model_version":"model/1","environment":"production"}'
    return wrk.format("POST", "/v1/deployment-decisions", headers, body)
  end
  return wrk.format("GET", target, headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK-JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def ensure_wrk() -> tuple[str | None, str]:
    """The path of `wrk` (installed with apt-get when missing and possible) and a note."""
    found = shutil.which("wrk")
    if found:
        return found, _version(found)
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        return None, "wrk is not installed (Debian package `wrk`) and apt-get is not usable here"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in ([apt, "install", "-y", "-q", "wrk"], [apt, "update", "-q"],
                 [apt, "install", "-y", "-q", "wrk"]):  # fmt: skip
        subprocess.run(step, env=env, capture_output=True, timeout=600, check=False)
        found = shutil.which("wrk")
        if found:
            return found, _version(found)
    return None, "wrk is not installed and `apt-get install wrk` failed"


def _version(path: str) -> str:
    done = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).split(" Copyright")[0].strip() or "wrk"


def write_script(directory: Path, ids: list[str]) -> tuple[Path, Path]:
    """The Lua script and the ids file it reads, written to `directory`."""
    script, id_file = directory / "gate.lua", directory / "system-ids.txt"
    script.write_text(SCRIPT)
    id_file.write_text("\n".join(ids) + "\n")
    return script, id_file


def run(
    wrk: str, url: str, script: Path, args: list[str], connections: int, seconds: float
) -> dict[str, Any]:
    """Drive `url` with `connections` keep-alive connections for `seconds`; the figures."""
    threads = max(1, min(connections, 2))
    cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "30s", "-s", str(script), url, "--", *args]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-500:]}")
    raw = json.loads(line.removeprefix("WRK-JSON "))
    wall = raw["duration_us"] / 1e6
    return {
        "connections": connections, "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / wall, 1) if wall else None,
        **{f"{p}_ms": round(raw[f"{p}_us"] / 1000, 3) for p in ("p50", "p90", "p99", "max")},
        "errors": {k: v for k, v in raw["errors"].items() if v},
    }  # fmt: skip
