"""The console's OpenAPI document says what it does: schemathesis, every check, no failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from services.sdk import AimsClient
from tests.support.apps import token
from tests.support.console import Stack

CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")


def test_schemathesis_with_every_check_finds_nothing_the_document_does_not_say(
    module_stack: Stack,
) -> None:
    module_stack.start_console()
    with AimsClient(token("olga", "system_owner"), urls=module_stack.urls) as owner:
        system = owner.register_system(name="Credit scoring", purpose="score", owner="olga")
    env = {**os.environ, "AIMS_CONSOLE_TOKEN": token("ada", "auditor"),
           "AIMS_SYSTEM_ID": system["id"]}  # fmt: skip
    run = subprocess.run(
        [str(ST), "--config-file", str(CONFIG), "--no-color", "run",
         module_stack.url("console") + "/openapi.json", "--checks", "all",
         "--max-redirects", "0",  # a 303 to /login is the answer, not the page behind it
         "--max-examples", "15", "--seed", "1", "--workers", "1"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
