"""``insek app`` serves the UI on 127.0.0.1, with a login when ``--auth`` is given."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("gradio", reason="gradio is not installed (pip install 'insek-nlp[ui]')")
pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, *extra: str):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "insek_nlp.cli", "app", "--project", str(tmp_path / "p"),
                             "--port", str(port), "--embedder", "hashing", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise AssertionError("insek app did not start within 90 s")


def _stop(proc) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode()


def test_insek_app_serves_the_german_ui(tmp_path):
    proc, url = _serve(tmp_path)
    try:
        with urllib.request.urlopen(url + "/config", timeout=30) as r:
            config = json.loads(r.read())
        labels = json.dumps(config, ensure_ascii=False)
        assert "Prüfoberfläche" in labels and "Themenabdeckung" in labels and "Bürgerbeiträge" in labels
        assert (tmp_path / "p" / "insek.db").is_file()  # the project was created
    finally:
        out = _stop(proc)
    assert f"Prüfoberfläche: {url}" in out


def test_insek_app_with_auth_asks_for_a_login(tmp_path):
    proc, url = _serve(tmp_path, "--auth", "planung:geheim")
    try:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url + "/config", timeout=30)
        assert info.value.code == 401
        data = b"username=planung&password=geheim"
        with urllib.request.urlopen(urllib.request.Request(url + "/login", data=data), timeout=30) as r:
            assert r.status == 200
    finally:
        _stop(proc)


def test_insek_app_rejects_a_malformed_auth(tmp_path):
    from insek_nlp.cli import main

    assert main(["app", "--project", str(tmp_path / "p"), "--auth", "ohne-passwort"]) == 2


def test_insek_app_on_a_busy_port_is_a_german_error(tmp_path, capsys):
    from insek_nlp.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--project", str(tmp_path / "p"), "--port", str(port)]) == 2
    out = capsys.readouterr().out
    assert "kann nicht auf 127.0.0.1" in out and "--port" in out
