"""Heavy report work in a child process (issue 13): a large brand's view or an admin's raw
file needs GiBs while it is made; in a child, that memory is given back when the child
ends and never counts against the app's server process, and the work never holds the
server's interpreter lock. The child is ``python -m <module>`` with the app's settings
from the environment; the request goes in as JSON on standard input, the answer comes
back as bytes on standard output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

from score_impact.db.models import Role
from score_impact.services.errors import AccessDenied
from score_impact.services.scope import Scope

if TYPE_CHECKING:  # the runtime imports the housekeeping, which imports this
    from score_impact.runtime import Runtime

TIMEOUT = 3600  # seconds
DENIED = 3  # the child's exit status when the work was refused (AccessDenied)


def scope_json(scope: Scope) -> dict:
    """``scope`` as JSON, handed over as it is (not rebuilt in the child, so a view is
    stored under the key of the scope that asked)."""
    return {**asdict(scope), "role": scope.role.value,
            "enterprise_ids": sorted(scope.enterprise_ids),
            "cohort_ids": sorted(scope.cohort_ids)}  # fmt: skip


def scope_from_json(data: dict) -> Scope:
    return Scope(**{**data, "role": Role(data["role"]),
                    "enterprise_ids": frozenset(data["enterprise_ids"]),
                    "cohort_ids": frozenset(data["cohort_ids"])})  # fmt: skip


def run(module: str, request: dict) -> bytes:
    """Run ``python -m module`` on ``request``; its standard output.

    Raises ``AccessDenied`` when the child refused the work, ``RuntimeError`` when it
    failed (with the end of its error output).
    """
    done = subprocess.run(
        [sys.executable, "-m", module],
        input=json.dumps(request).encode(), capture_output=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    if done.returncode == DENIED:
        raise AccessDenied(done.stdout.decode().strip())
    if done.returncode:
        raise RuntimeError(f"{module} failed:\n{done.stderr.decode()[-2000:]}")
    return done.stdout


def serve(work: Callable[[Runtime, dict], bytes]) -> None:
    """The child's side: ``work(runtime, request)`` written to standard output."""
    from score_impact.config import load_settings
    from score_impact.runtime import start

    request = json.loads(sys.stdin.buffer.read())
    runtime = start(load_settings(), demo=False)  # no housekeeping of its own
    try:
        answer = work(runtime, request)
    except AccessDenied as refused:
        sys.stdout.write(str(refused))
        sys.exit(DENIED)
    sys.stdout.buffer.write(answer)
