"""The Gradio review UI of insek-nlp (German), on the public API of :mod:`insek_nlp` only.

    from app import serve
    serve("mein-projekt")                      # http://127.0.0.1:7860

Layout (:mod:`app.layout`) and behaviour (:mod:`app.events`) are separate;
what each tab shows is computed in :mod:`app.views` without Gradio. Nothing is
fetched from the network: Gradio's analytics and update check are switched
off before Gradio is imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Before gradio is imported anywhere: no analytics, no update check, no telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_SSR_MODE", "False")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
CSS_PATH = Path(__file__).with_name("style.css")

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "build_app", "launch", "serve"]


def _gradio():
    try:
        import gradio as gr
    except ImportError as exc:
        from insek_nlp.errors import DependencyError

        raise DependencyError(
            "Die Prüfoberfläche braucht das Paket gradio.",
            hint="Bitte installieren: pip install 'insek-nlp[ui]'",
        ) from exc
    return gr


def has_conflicts_api() -> bool:
    """Whether the installed library offers goal-conflict flags (the Zielkonflikte tab needs them)."""
    try:
        from insek_nlp.conflicts import conflict_flags, review_conflict  # noqa: F401
    except ImportError:
        return False
    return True


def build_app(project: str | Path, *, embedder: str | None = None):
    """The review UI for one project folder, as a ``gr.Blocks`` (not yet launched)."""
    gr = _gradio()
    from app.events import wire
    from app.layout import build_layout
    from app.views import ProjectView

    view = ProjectView(Path(project), embedder=embedder)
    view.store  # open (and create or migrate) now: a bad folder fails before the server starts
    view.prewarm_in_background()  # comments (masked) and places are ready by the time a tab is opened
    with gr.Blocks(title="insek-nlp · Prüfoberfläche", analytics_enabled=False) as blocks:
        ui = build_layout(with_conflicts=has_conflicts_api())
        wire(ui, view, blocks)
    blocks.insek_view = view  # for tests and benchmarks
    return blocks


def launch(project: str | Path, *, host: str = DEFAULT_HOST, port: int | None = DEFAULT_PORT,
           auth: tuple[str, str] | None = None, embedder: str | None = None, block: bool = True,
           quiet: bool = False) -> Any:
    """Build and serve the UI; with ``block=False`` return the running ``gr.Blocks`` at once."""
    gr = _gradio()
    blocks = build_app(project, embedder=embedder)
    theme = gr.themes.Soft(primary_hue="teal", neutral_hue="slate")
    blocks.queue(default_concurrency_limit=4)
    # run_history=False: otherwise Gradio 6 copies every call's inputs and outputs (comment texts, reviewer
    # names and notes) into the browser's localStorage, rewriting up to 100 calls on every status message.
    blocks.launch(server_name=host, server_port=port, auth=auth,
                  auth_message="Bitte mit dem Zugang anmelden, den Sie vom Projektteam erhalten haben." if auth else None,
                  prevent_thread_lock=not block, inbrowser=False, share=False, quiet=quiet, show_error=True,
                  footer_links=[], theme=theme, css=CSS_PATH.read_text(encoding="utf-8"), ssr_mode=False,
                  enable_monitoring=False, mcp_server=False, pwa=False, run_history=False)
    return blocks


def serve(project: str | Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, auth: str | None = None,
          embedder: str | None = None) -> None:
    """Serve the UI until interrupted; ``auth`` as ``"USER:PASS"``."""
    from insek_nlp.errors import InputError

    credentials = None
    if auth:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise InputError("--auth erwartet BENUTZER:PASSWORT.", hint="Beispiel: --auth planung:geheim")
        credentials = (user, password)
    try:
        launch(project, host=host, port=port, auth=credentials, embedder=embedder, block=True)
    except OSError as exc:  # Gradio: "Cannot find empty port …"
        raise InputError(f"Die Oberfläche kann nicht auf {host}:{port} starten ({exc}).",
                         hint=f"Läuft sie dort schon? Sonst einen anderen Port wählen, z. B. --port {port + 1}.") from exc
