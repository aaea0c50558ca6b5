"""Importable everywhere: with the Unix-only modules made unavailable (as on Windows), the package
imports and an in-process test runs, on a throw-away database and on a database file (whose
processes' lock is then filelock's)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

UNIX_ONLY = ("fcntl", "termios", "resource", "pwd", "grp")


def test_the_package_imports_and_serves_in_process_without_unix_only_modules(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        for name in {UNIX_ONLY!r}:
            sys.modules[name] = None  # import fails, as where the module does not exist
        import requests
        import mock_infobip
        import mock_infobip.cli, mock_infobip.pytest_plugin, mock_infobip.serving.command
        for db in (":memory:", {str(tmp_path / "f.db")!r}):
            with mock_infobip.fake(db=db) as infobip:
                answer = requests.post(
                    "https://api.infobip.com/saas/amplitude/1/lists",
                    json={{"name": "portable"}},
                    headers=infobip.headers,
                )
                assert answer.status_code == 200, answer.text
                assert [entry["name"] for entry in infobip.lists()] == ["portable"]
        assert "fcntl" not in [m for m, v in sys.modules.items() if v is not None]
        from mock_infobip.storage.versions import Version
        version = Version({str(tmp_path / "g.db")!r})
        assert version.lock is not None and version.lock.kind == "filelock"
        version.hold_writes()
        version.release_writes()
        version.bump()
        assert version.current() == 1
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
