"""The agency's mailbox, where directories send their confirmation mails.

Production reads it over IMAP (`DIRBOLT_IMAP_URL`); on embedded defaults a local SMTP receiver
(aiosmtpd) stores every mail it gets in a Maildir and the same `Mailbox` interface reads it. A mail
is read without being marked seen; the verifier marks it once it has been dealt with, so a mail
that arrived before its row was recorded is looked at again on the next round.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import imaplib
import mailbox as stdlib_mailbox
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree
from pydantic import BaseModel, Field

_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)


class Mail(BaseModel):
    uid: str  # the mailbox's own id (IMAP UID, Maildir key)
    message_id: str
    sender: str = ""
    sender_name: str = ""
    recipients: list[str] = Field(default_factory=list)
    subject: str = ""
    date: dt.datetime | None = None
    text: str = ""
    links: list[str] = Field(default_factory=list)
    raw: bytes = b""


def parse_mail(uid: str, raw: bytes) -> Mail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    texts, links = [], []
    for part in msg.walk() if msg.is_multipart() else [msg]:
        if part.get_content_maintype() != "text":
            continue
        try:
            body = part.get_content()
        except (LookupError, ValueError):
            continue
        if part.get_content_subtype() == "html":
            try:
                doc = lxml.html.document_fromstring(body or "<p></p>")
            except (etree.ParserError, ValueError):
                continue
            links += [a.get("href", "").strip() for a in doc.iter("a") if a.get("href")]
            texts.append(doc.text_content())
        else:
            texts.append(body)
            links += _URL.findall(body)
    date = None
    if msg["Date"]:
        try:
            date = parsedate_to_datetime(str(msg["Date"]))
        except (TypeError, ValueError):
            date = None
    name, sender = parseaddr(str(msg["From"] or ""))
    message_id = str(msg["Message-ID"] or "").strip() or "sha256:" + hashlib.sha256(raw).hexdigest()
    unique_links = list(dict.fromkeys(u for u in links if u.lower().startswith(("http://", "https://"))))
    return Mail(uid=uid, message_id=message_id, sender=sender.lower(), sender_name=name,
                recipients=[a.lower() for _, a in getaddresses([str(msg["To"] or ""), str(msg["Cc"] or "")]) if a],
                subject=str(msg["Subject"] or ""), date=date, text="\n".join(texts), links=unique_links, raw=raw)


class Mailbox(Protocol):
    def unseen(self) -> list[Mail]: ...

    def mark_seen(self, uid: str) -> None: ...


class MaildirMailbox:
    """The local mailbox: the Maildir the local SMTP receiver writes (new mail under new/)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._box = stdlib_mailbox.Maildir(self.path, create=True)

    def unseen(self) -> list[Mail]:
        self._box = stdlib_mailbox.Maildir(self.path, create=True)  # see mail delivered since
        mails = []
        for key in sorted(self._box.keys()):
            message = self._box.get_message(key)
            if "S" in message.get_flags():
                continue
            mail = parse_mail(key, message.as_bytes())
            if mail.date is None:  # no Date header: when it was delivered here
                mail.date = dt.datetime.fromtimestamp(message.get_date(), dt.UTC)
            mails.append(mail)
        return mails

    def mark_seen(self, uid: str) -> None:
        message = self._box.get_message(uid)
        message.set_subdir("cur")
        message.add_flag("S")
        self._box[uid] = message


class ImapMailbox:
    """An IMAP folder: imap[s]://user:password@host[:port]/FOLDER (the user and password URL-encoded)."""

    def __init__(self, url: str, *, timeout: float = 30.0):
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError("DIRBOLT_IMAP_URL must be imap:// or imaps://")
        self._ssl = parts.scheme == "imaps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (993 if self._ssl else 143)
        self._user = unquote(parts.username or "")
        self._password = unquote(parts.password or "")
        self._folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self._timeout = timeout

    @contextmanager
    def _session(self) -> Iterator[imaplib.IMAP4]:
        cls = imaplib.IMAP4_SSL if self._ssl else imaplib.IMAP4
        conn = cls(self._host, self._port, timeout=self._timeout)
        try:
            conn.login(self._user, self._password)
            status, _ = conn.select(_quoted(self._folder))
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot select folder {self._folder}")
            yield conn
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    def unseen(self) -> list[Mail]:
        mails = []
        with self._session() as conn:
            status, data = conn.uid("SEARCH", None, "UNSEEN")
            if status != "OK":
                raise imaplib.IMAP4.error("IMAP search failed")
            for uid in (data[0] or b"").split():
                status, parts = conn.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
                fetched = next((p for p in parts if isinstance(p, tuple)), None)
                if status != "OK" or not fetched:
                    continue
                mail = parse_mail(uid.decode(), fetched[1])
                if mail.date is None:  # no Date header: when the server received it
                    received = imaplib.Internaldate2tuple(fetched[0])
                    mail.date = dt.datetime.fromtimestamp(time.mktime(received), dt.UTC) if received else None
                mails.append(mail)
        return mails

    def mark_seen(self, uid: str) -> None:
        with self._session() as conn:
            conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class LocalSmtpServer:
    """The local SMTP receiver (aiosmtpd): stores every mail it gets in a Maildir."""

    def __init__(self, maildir: Path, *, host: str = "127.0.0.1", port: int = 8725):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox as MaildirHandler

        stdlib_mailbox.Maildir(maildir, create=True)  # new/, cur/ and tmp/
        self.maildir = Path(maildir)
        self.host, self.port = host, port
        self._controller = Controller(MaildirHandler(str(maildir)), hostname=host, port=port)

    def __enter__(self) -> LocalSmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
