"""The project store: one SQLite file per analysis project.

``<project>/insek.db`` in WAL mode, with a schema version table and forward
migrations. Documents are versioned: re-ingesting an unchanged file changes
nothing, a changed file becomes a new version and the old one stays. Reviewer
decisions are appended (never updated in place), so no decision is ever lost
and two reviewers writing at once are both kept.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from insek_nlp.errors import StoreError
from insek_nlp.types import Comment, Document, Passage, Problem, Review, Run

log = logging.getLogger(__name__)

DB_NAME = "insek.db"

# Each entry migrates from version i to i + 1. Never edit a released entry;
# append a new one.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE documents (
        id          TEXT PRIMARY KEY,
        key         TEXT NOT NULL,
        version     INTEGER NOT NULL,
        path        TEXT NOT NULL,
        name        TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('draft', 'comments', 'notes')),
        title       TEXT NOT NULL DEFAULT '',
        pages       INTEGER,
        status      TEXT NOT NULL,
        message     TEXT,
        extractor   TEXT,
        columns     TEXT NOT NULL DEFAULT '{}',
        fulltext    TEXT NOT NULL DEFAULT '',
        ingested_at TEXT NOT NULL,
        UNIQUE (key, version)
    );
    CREATE INDEX documents_key ON documents (key, version);
    CREATE TABLE passages (
        doc_id   TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        ordinal  INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        section  TEXT NOT NULL,
        page     INTEGER,
        start    INTEGER,
        "end"    INTEGER,
        text     TEXT NOT NULL,
        PRIMARY KEY (doc_id, ordinal)
    );
    CREATE TABLE comments (
        doc_id      TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        row         INTEGER NOT NULL,
        external_id TEXT,
        title       TEXT NOT NULL DEFAULT '',
        text        TEXT NOT NULL,
        created     TEXT,
        location    TEXT,
        lat         REAL,
        lon         REAL,
        category    TEXT,
        author      TEXT,
        url         TEXT,
        metadata    TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (doc_id, row)
    );
    CREATE TABLE problems (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id   TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        severity TEXT NOT NULL,
        code     TEXT NOT NULL,
        message  TEXT NOT NULL,
        location TEXT
    );
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        status      TEXT NOT NULL,
        manifest    TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE reviews (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        target_type TEXT NOT NULL,
        target_id   TEXT NOT NULL,
        decision    TEXT NOT NULL,
        label       TEXT,
        note        TEXT,
        reviewer    TEXT,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX reviews_target ON reviews (target_type, target_id, id);
    """,
    # 2: embedding cache, keyed by (embedder id, text hash)
    """
    CREATE TABLE embeddings (
        embedder  TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        dim       INTEGER NOT NULL,
        vector    BLOB NOT NULL,
        PRIMARY KEY (embedder, text_hash)
    ) WITHOUT ROWID;
    """,
    # 3: theme scores per analysis run
    """
    CREATE TABLE theme_scores (
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        taxonomy    TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_id   TEXT NOT NULL,
        theme_id    TEXT NOT NULL,
        score       REAL NOT NULL,
        evidence    TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (run_id, taxonomy, target_type, target_id, theme_id)
    ) WITHOUT ROWID;
    CREATE INDEX theme_scores_target ON theme_scores (taxonomy, target_type, target_id);
    """,
    # 4: participation results per run: concerns, duplicate groups, places
    """
    CREATE TABLE concerns (
        run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        concern_id TEXT NOT NULL,
        parent_id  TEXT,
        size       INTEGER NOT NULL,
        key_terms  TEXT NOT NULL DEFAULT '[]',
        title      TEXT NOT NULL DEFAULT '',
        representative TEXT,
        PRIMARY KEY (run_id, concern_id)
    ) WITHOUT ROWID;
    CREATE TABLE concern_members (
        run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        comment_id TEXT NOT NULL,
        concern_id TEXT NOT NULL,
        sub_id     TEXT,
        PRIMARY KEY (run_id, comment_id)
    ) WITHOUT ROWID;
    CREATE TABLE duplicate_groups (
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        group_id    INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        template_id TEXT NOT NULL,
        members     TEXT NOT NULL,
        similarity  REAL NOT NULL,
        PRIMARY KEY (run_id, group_id)
    ) WITHOUT ROWID;
    CREATE TABLE item_places (
        run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        target_type  TEXT NOT NULL,
        target_id    TEXT NOT NULL,
        ortsteile    TEXT NOT NULL,
        stadtbezirke TEXT NOT NULL,
        PRIMARY KEY (run_id, target_type, target_id)
    ) WITHOUT ROWID;
    """,
    # 5: concern summaries (quotes, counts, places, time span, themes, linked draft passages)
    """
    CREATE TABLE concern_summaries (
        run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        concern_id TEXT NOT NULL,
        summary    TEXT NOT NULL,
        PRIMARY KEY (run_id, concern_id)
    ) WITHOUT ROWID;
    """,
    # 6: goal-conflict flags per run (the flag as JSON: both passages, evidence, explanation)
    """
    CREATE TABLE conflict_flags (
        run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key     TEXT NOT NULL,
        rank    INTEGER NOT NULL,
        score   REAL NOT NULL,
        flag    TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX conflict_flags_rank ON conflict_flags (run_id, rank);
    """,
    # 7: which process runs a run, so that a run whose process died can be marked as interrupted
    """
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
    """,
]

SCHEMA_VERSION = len(_MIGRATIONS)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Store:
    """Access to one project's SQLite database.

    Use :meth:`open` with the project folder. Safe to share between threads of
    one process (one connection per thread); several processes may write at
    once (SQLite serialises them, waiting up to ``timeout`` seconds).
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._local = threading.local()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, project: str | Path, *, create: bool = True) -> "Store":
        """Open (and create or migrate) the store of a project folder."""
        project = Path(project)
        db = project / DB_NAME
        if not db.exists():
            if not create:
                raise StoreError(
                    f"Im Ordner „{project}“ gibt es noch kein Projekt.",
                    hint="Zuerst Dateien einlesen: insek ingest DATEI … --project ORDNER",
                )
            try:
                project.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"Der Projektordner „{project}“ kann nicht angelegt werden: {exc.strerror}.") from exc
        store = cls(db)
        store.migrate()
        store.recover_interrupted_runs()
        return store

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            except sqlite3.DatabaseError as exc:
                if conn is not None:
                    conn.close()  # do not keep the broken file open (and locked on Windows)
                raise StoreError(
                    f"Die Projektdatenbank „{self.path}“ kann nicht geöffnet werden ({exc}).",
                    hint="Ist die Datei beschädigt oder keine insek-Datenbank? Bitte eine Sicherung verwenden.",
                ) from exc
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all or nothing, taken with an immediate lock."""
        conn = self.conn
        if conn.in_transaction:  # nested use joins the outer transaction
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreError(
                f"Die Projektdatenbank „{self.path}“ ist seit {self.timeout:.0f} Sekunden von einem anderen "
                "Vorgang gesperrt.",
                hint="Bitte warten, bis der andere Vorgang (z. B. ein Analyselauf) fertig ist, und es erneut versuchen.",
                code="locked",
            ) from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def migrate(self) -> int:
        """Bring the schema to :data:`SCHEMA_VERSION`; return the version."""
        try:
            with self.transaction() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)"
                )
                row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
                current = row[0] or 0
                if current > SCHEMA_VERSION:
                    raise StoreError(
                        f"Die Projektdatenbank hat Schema-Version {current}, diese insek-Version kennt nur "
                        f"{SCHEMA_VERSION}.",
                        hint="Bitte insek-nlp aktualisieren.",
                    )
                for version in range(current, SCHEMA_VERSION):
                    for statement in _MIGRATIONS[version].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version + 1, _now()))
                    log.info("store %s migrated to schema version %d", self.path, version + 1)
                return SCHEMA_VERSION
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"Die Projektdatenbank „{self.path}“ ist beschädigt oder keine insek-Datenbank ({exc}).",
                hint="Bitte eine Sicherung verwenden oder ein neues Projekt anlegen.",
            ) from exc

    def schema_version(self) -> int:
        return self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0

    # ------------------------------------------------------------------ documents

    def document_versions(self, key: str) -> list[Document]:
        rows = self.conn.execute(_DOC_SELECT + " WHERE d.key = ? ORDER BY d.version", (key,)).fetchall()
        return [_document(r) for r in rows]

    def get_document(self, doc_id: str) -> Document | None:
        row = self.conn.execute(_DOC_SELECT + " WHERE d.id = ?", (doc_id,)).fetchone()
        return _document(row) if row else None

    def documents(self, *, kind: str | None = None, current: bool = False) -> list[Document]:
        """All stored document versions, or with ``current`` the latest readable
        version of each document (what analysis works on)."""
        sql = _DOC_SELECT
        args: list[Any] = []
        where = []
        if kind:
            where.append("d.kind = ?")
            args.append(kind)
        if current:
            where.append(
                "d.version = (SELECT MAX(v.version) FROM documents v WHERE v.key = d.key "
                "AND v.status IN ('ok', 'warning'))"
            )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY d.key, d.version"
        return [_document(r) for r in self.conn.execute(sql, args).fetchall()]

    def fulltext(self, doc_id: str) -> str:
        row = self.conn.execute("SELECT fulltext FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else ""

    def add_document(
        self,
        *,
        key: str,
        path: str,
        name: str,
        sha256: str,
        size: int,
        kind: str,
        title: str,
        pages: int | None,
        status: str,
        message: str | None,
        extractor: str | None,
        passages: Sequence[Passage] = (),
        comments: Sequence[Comment] = (),
        problems: Sequence[Problem] = (),
        fulltext: str = "",
        columns: dict[str, str] | None = None,
        replace_id: str | None = None,
    ) -> Document:
        """Store a new version of a document with its content, atomically.

        ``replace_id`` names an earlier *failed* version of the same bytes that
        this one supersedes (a retry, e.g. with the right password).
        """
        with self.transaction() as conn:
            if replace_id:
                conn.execute("DELETE FROM documents WHERE id = ? AND status NOT IN ('ok', 'warning')", (replace_id,))
            row = conn.execute("SELECT MAX(version) FROM documents WHERE key = ?", (key,)).fetchone()
            version = (row[0] or 0) + 1
            doc_id = f"{key}@{version}"
            conn.execute(
                "INSERT INTO documents (id, key, version, path, name, sha256, size, kind, title, pages, status, "
                "message, extractor, columns, fulltext, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc_id, key, version, path, name, sha256, size, kind, title, pages, status, message, extractor,
                 json.dumps(columns or {}, ensure_ascii=False), fulltext, _now()),
            )
            conn.executemany(
                'INSERT INTO passages (doc_id, ordinal, kind, section, page, start, "end", text) '
                "VALUES (?,?,?,?,?,?,?,?)",
                [(doc_id, p.ordinal, p.kind, json.dumps(list(p.section), ensure_ascii=False), p.page, p.start,
                  p.end, p.text) for p in passages],
            )
            conn.executemany(
                "INSERT INTO comments (doc_id, row, external_id, title, text, created, location, lat, lon, "
                "category, author, url, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(doc_id, c.row, c.external_id, c.title, c.text, c.created, c.location, c.lat, c.lon, c.category,
                  c.author, c.url, json.dumps(dict(c.metadata), ensure_ascii=False)) for c in comments],
            )
            conn.executemany(
                "INSERT INTO problems (doc_id, severity, code, message, location) VALUES (?,?,?,?,?)",
                [(doc_id, p.severity, p.code, p.message, p.location) for p in problems],
            )
        doc = self.get_document(doc_id)
        assert doc is not None
        return doc

    # ------------------------------------------------------------------ content

    def passages(self, doc_ids: Iterable[str] | None = None) -> list[Passage]:
        """Passages of the given document versions (default: all current ones)."""
        ids = list(doc_ids) if doc_ids is not None else [d.id for d in self.documents(current=True)]
        out: list[Passage] = []
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f'SELECT doc_id, ordinal, kind, section, page, start, "end", text FROM passages '
                f"WHERE doc_id IN ({marks}) ORDER BY doc_id, ordinal",
                chunk,
            ).fetchall()
            out.extend(
                Passage(r["doc_id"], r["ordinal"], r["text"], r["kind"], tuple(json.loads(r["section"])), r["page"],
                        r["start"], r["end"])
                for r in rows
            )
        return out

    def comments(self, doc_ids: Iterable[str] | None = None) -> list[Comment]:
        """Comments of the given document versions (default: all current ones)."""
        ids = list(doc_ids) if doc_ids is not None else [d.id for d in self.documents(kind="comments", current=True)]
        out: list[Comment] = []
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT * FROM comments WHERE doc_id IN ({marks}) ORDER BY doc_id, row", chunk
            ).fetchall()
            out.extend(
                Comment(
                    doc_id=r["doc_id"], row=r["row"], text=r["text"], title=r["title"], external_id=r["external_id"],
                    created=r["created"], location=r["location"], lat=r["lat"], lon=r["lon"], category=r["category"],
                    author=r["author"], url=r["url"], metadata=json.loads(r["metadata"]),
                )
                for r in rows
            )
        return out

    def problems(self, doc_id: str | None = None) -> list[Problem]:
        sql = "SELECT doc_id, severity, code, message, location FROM problems"
        args: tuple = ()
        if doc_id:
            sql += " WHERE doc_id = ?"
            args = (doc_id,)
        rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [Problem(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def columns(self, doc_id: str) -> dict[str, str]:
        row = self.conn.execute("SELECT columns FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    # ------------------------------------------------------------------ runs

    def start_run(self, manifest: dict[str, Any]) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (started_at, status, manifest, pid, host) VALUES (?, 'running', ?, ?, ?)",
                (_now(), json.dumps(manifest, ensure_ascii=False, sort_keys=True), os.getpid(), platform.node()),
            )
            return int(cur.lastrowid)

    def recover_interrupted_runs(self) -> list[int]:
        """Mark runs whose process died (killed, power cut) as ``interrupted``; return their ids.

        Their partial results stay stored but are never read: readers use
        finished runs only. A run of a live process (this or another one on
        this machine) is left alone; so is a run started on another machine.
        """
        rows = self.conn.execute("SELECT id, pid, host FROM runs WHERE status = 'running'").fetchall()
        dead = [r["id"] for r in rows
                if r["pid"] is None or (r["host"] == platform.node() and not _process_alive(r["pid"]))]
        if dead:
            with self.transaction() as conn:
                conn.executemany("UPDATE runs SET status = 'interrupted', finished_at = ? "
                                 "WHERE id = ? AND status = 'running'", [(_now(), i) for i in dead])
            log.warning("runs %s were interrupted (their process ended without finishing them)", dead)
        return dead

    def finish_run(self, run_id: int, *, status: str = "finished", manifest: dict[str, Any] | None = None) -> None:
        with self.transaction() as conn:
            if manifest is not None:
                conn.execute(
                    "UPDATE runs SET manifest = ? WHERE id = ?",
                    (json.dumps(manifest, ensure_ascii=False, sort_keys=True), run_id),
                )
            conn.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, _now(), run_id))

    def runs(self) -> list[Run]:
        rows = self.conn.execute("SELECT * FROM runs ORDER BY id").fetchall()
        return [Run(r["id"], r["started_at"], r["finished_at"], r["status"], json.loads(r["manifest"])) for r in rows]

    # ------------------------------------------------------------------ reviews

    def add_review(self, review: Review) -> Review:
        """Append a reviewer decision; returns it with ``id`` and ``created_at``."""
        created = review.created_at or _now()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO reviews (target_type, target_id, decision, label, note, reviewer, created_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (review.target_type, review.target_id, review.decision, review.label, review.note, review.reviewer,
                 created),
            )
            rid = int(cur.lastrowid)
        return Review(review.target_type, review.target_id, review.decision, review.label, review.note,
                      review.reviewer, created, rid)

    def reviews(self, target_type: str | None = None, target_id: str | None = None) -> list[Review]:
        """The full review history, oldest first."""
        sql = "SELECT * FROM reviews"
        where, args = [], []
        if target_type:
            where.append("target_type = ?")
            args.append(target_type)
        if target_id:
            where.append("target_id = ?")
            args.append(target_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_review(r) for r in rows]

    def current_reviews(self, target_type: str) -> dict[str, Review]:
        """The latest decision per target of one type."""
        return {r.target_id: r for r in self.reviews(target_type)}

    # ------------------------------------------------------------------ embedding cache

    def get_vectors(self, embedder: str, hashes: Sequence[str]) -> dict[str, Any]:
        """Cached vectors (float32 numpy arrays) for the given text hashes."""
        import numpy as np

        out: dict[str, Any] = {}
        unique = list(dict.fromkeys(hashes))
        for chunk in _chunks(unique, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT text_hash, dim, vector FROM embeddings WHERE embedder = ? AND text_hash IN ({marks})",
                [embedder, *chunk],
            ).fetchall()
            for h, dim, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == dim:
                    out[h] = vec
        return out

    def put_vectors(self, embedder: str, items: Iterable[tuple[str, Any]]) -> int:
        """Store vectors for text hashes (idempotent); return how many were written."""
        import numpy as np

        rows = []
        for h, vec in items:
            arr = np.asarray(vec, dtype=np.float32).ravel()
            rows.append((embedder, h, int(arr.shape[0]), arr.tobytes()))
        if rows:
            with self.transaction() as conn:
                conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    # ------------------------------------------------------------------ theme scores

    def put_theme_scores(self, run_id: int, taxonomy: str, rows: Iterable[tuple[str, str, str, float, dict]]) -> int:
        """Store ``(target_type, target_id, theme_id, score, evidence)`` rows of one run."""
        data = [(run_id, taxonomy, t, i, th, float(sc), json.dumps(ev, ensure_ascii=False)) for t, i, th, sc, ev in rows]
        with self.transaction() as conn:
            conn.execute("DELETE FROM theme_scores WHERE run_id = ? AND taxonomy = ?", (run_id, taxonomy))
            conn.executemany("INSERT INTO theme_scores VALUES (?,?,?,?,?,?,?)", data)
        return len(data)

    def latest_theme_run(self, taxonomy: str) -> int | None:
        row = self.conn.execute(
            "SELECT MAX(s.run_id) FROM theme_scores s JOIN runs r ON r.id = s.run_id "
            "WHERE s.taxonomy = ? AND r.status = 'finished'", (taxonomy,)).fetchone()
        return row[0] if row and row[0] is not None else None

    def theme_scores(self, run_id: int, taxonomy: str, target_type: str | None = None
                     ) -> dict[str, dict[str, tuple[float, dict]]]:
        """``target_id → theme_id → (score, evidence)`` for one run."""
        sql = "SELECT target_id, theme_id, score, evidence FROM theme_scores WHERE run_id = ? AND taxonomy = ?"
        args: list[Any] = [run_id, taxonomy]
        if target_type:
            sql += " AND target_type = ?"
            args.append(target_type)
        out: dict[str, dict[str, tuple[float, dict]]] = {}
        for tid, theme, score, ev in self.conn.execute(sql, args):
            out.setdefault(tid, {})[theme] = (score, json.loads(ev))
        return out

    # ------------------------------------------------------------------ participation results

    def put_participation(self, run_id: int, *, concerns: Sequence[tuple], members: Sequence[tuple],
                          duplicates: Sequence[tuple], places: Sequence[tuple]) -> None:
        """Store one run's concerns, memberships, duplicate groups and places (all or nothing)."""
        with self.transaction() as conn:
            for table in ("concerns", "concern_members", "duplicate_groups", "item_places"):
                conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))
            conn.executemany("INSERT INTO concerns VALUES (?,?,?,?,?,?,?)",
                             [(run_id, c, p, n, json.dumps(list(k), ensure_ascii=False), t, r)
                              for c, p, n, k, t, r in concerns])
            conn.executemany("INSERT INTO concern_members VALUES (?,?,?,?)", [(run_id, *m) for m in members])
            conn.executemany("INSERT INTO duplicate_groups VALUES (?,?,?,?,?,?)",
                             [(run_id, g, k, t, json.dumps(list(ms), ensure_ascii=False), sim)
                              for g, k, t, ms, sim in duplicates])
            conn.executemany("INSERT INTO item_places VALUES (?,?,?,?,?)",
                             [(run_id, tt, ti, json.dumps(list(o), ensure_ascii=False),
                               json.dumps(list(b), ensure_ascii=False)) for tt, ti, o, b in places])

    def put_concern_summaries(self, run_id: int, summaries: dict[str, dict]) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM concern_summaries WHERE run_id = ?", (run_id,))
            conn.executemany("INSERT INTO concern_summaries VALUES (?,?,?)",
                             [(run_id, cid, json.dumps(s, ensure_ascii=False)) for cid, s in summaries.items()])

    def concern_summaries(self, run_id: int) -> dict[str, dict]:
        return {r[0]: json.loads(r[1]) for r in self.conn.execute(
            "SELECT concern_id, summary FROM concern_summaries WHERE run_id = ?", (run_id,))}

    def latest_participation_run(self) -> int | None:
        row = self.conn.execute(
            "SELECT MAX(c.run_id) FROM item_places c JOIN runs r ON r.id = c.run_id WHERE r.status = 'finished'"
        ).fetchone()
        return row[0] if row and row[0] is not None else None

    def concerns(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM concerns WHERE run_id = ? ORDER BY size DESC, "
                                 "CAST(concern_id AS REAL), concern_id", (run_id,)).fetchall()
        return [{"id": r["concern_id"], "parent": r["parent_id"], "size": r["size"],
                 "key_terms": json.loads(r["key_terms"]), "title": r["title"], "representative": r["representative"]}
                for r in rows]

    def concern_members(self, run_id: int) -> dict[str, tuple[str, str | None]]:
        return {r[0]: (r[1], r[2]) for r in self.conn.execute(
            "SELECT comment_id, concern_id, sub_id FROM concern_members WHERE run_id = ?", (run_id,))}

    def duplicate_groups(self, run_id: int) -> list[dict[str, Any]]:
        return [{"id": r["group_id"], "kind": r["kind"], "template": r["template_id"],
                 "members": json.loads(r["members"]), "similarity": r["similarity"]}
                for r in self.conn.execute("SELECT * FROM duplicate_groups WHERE run_id = ? ORDER BY group_id",
                                           (run_id,)).fetchall()]

    def item_places(self, run_id: int, target_type: str | None = None) -> dict[str, tuple[list[str], list[str]]]:
        sql = "SELECT target_id, ortsteile, stadtbezirke FROM item_places WHERE run_id = ?"
        args: list[Any] = [run_id]
        if target_type:
            sql += " AND target_type = ?"
            args.append(target_type)
        return {r[0]: (json.loads(r[1]), json.loads(r[2])) for r in self.conn.execute(sql, args)}

    # ------------------------------------------------------------------ conflict flags

    def put_conflict_flags(self, run_id: int, flags: Sequence[dict[str, Any]]) -> None:
        """Store one run's ranked conflict flags (dicts with key, rank, score and the rest)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM conflict_flags WHERE run_id = ?", (run_id,))
            conn.executemany("INSERT INTO conflict_flags VALUES (?,?,?,?,?)",
                             [(run_id, f["key"], f["rank"], f["score"], json.dumps(f, ensure_ascii=False))
                              for f in flags])

    def conflict_flags(self, run_id: int) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.conn.execute(
            "SELECT flag FROM conflict_flags WHERE run_id = ? ORDER BY rank", (run_id,))]

    def latest_conflict_run(self) -> int | None:
        """The latest finished run that ran conflict detection (also when it found nothing)."""
        row = self.conn.execute(
            "SELECT MAX(id) FROM runs WHERE status = 'finished' "
            "AND json_extract(manifest, '$.stages.conflicts') IS NOT NULL").fetchone()
        return row[0] if row and row[0] is not None else None

    # ------------------------------------------------------------------ summary

    def counts(self) -> dict[str, int]:
        c = self.conn
        current = self.documents(current=True)
        ids = [d.id for d in current]
        return {
            "documents": len({d.key for d in self.documents()}),
            "versions": c.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            "failed": c.execute(
                "SELECT COUNT(*) FROM documents d WHERE d.status NOT IN ('ok','warning') AND d.version = "
                "(SELECT MAX(version) FROM documents v WHERE v.key = d.key)"
            ).fetchone()[0],
            "passages": sum(d.n_passages for d in current if d.id in ids),
            "comments": sum(d.n_comments for d in current if d.id in ids),
            "reviews": c.execute("SELECT COUNT(*) FROM reviews").fetchone()[0],
            "runs": c.execute("SELECT COUNT(*) FROM runs").fetchone()[0],
        }


_DOC_SELECT = (
    "SELECT d.*, (SELECT COUNT(*) FROM passages p WHERE p.doc_id = d.id) AS n_passages, "
    "(SELECT COUNT(*) FROM comments c WHERE c.doc_id = d.id) AS n_comments FROM documents d"
)


def _document(r: sqlite3.Row) -> Document:
    return Document(
        id=r["id"], key=r["key"], version=r["version"], path=r["path"], name=r["name"], sha256=r["sha256"],
        size=r["size"], kind=r["kind"], title=r["title"], pages=r["pages"], status=r["status"],
        message=r["message"], extractor=r["extractor"], ingested_at=r["ingested_at"],
        n_passages=r["n_passages"], n_comments=r["n_comments"],
    )


def _review(r: sqlite3.Row) -> Review:
    return Review(r["target_type"], r["target_id"], r["decision"], r["label"], r["note"], r["reviewer"],
                  r["created_at"], r["id"])


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (unknown counts as alive)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    if os.path.exists(f"/proc/{pid}/stat"):  # a zombie (killed, not yet reaped) is dead too
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
        except OSError:
            return True
    return True


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
