"""Email to a real SMTP server (aiosmtpd): double opt-in, the digest's headers and language, RFC 8058."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from reminder_testing import Recorder, active_email, new_checklist

from reminders import services
from reminders.models import Contact, Message

pytestmark = pytest.mark.django_db
ADDRESS = "hanako.yamada@example.jp"


def database_contains(text: str) -> list[str]:
    """Every table of the database whose rows, as text, contain the string."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE %s', [f"%{text}%"])
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def send_due(now):
    for pk in services.claim_due(now=now):
        services.message_send(message_id=pk, now=now)


def link(mail, path: str) -> str:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+(/{path}/[^\s]+/)", text).group(1)


def test_double_opt_in_from_the_checklist_page(smtp, caplog):
    checklist = new_checklist()
    client = Client()
    page = client.get(f"/c/{checklist.token}/")
    assert f'action="/c/{checklist.token}/reminders/email/"' in page.content.decode()
    r = client.post(f"/c/{checklist.token}/reminders/email/", {"email": ADDRESS})
    assert r.status_code == 302 and r["Location"].endswith("/reminders/?sent=1")
    contact = Contact.objects.get(checklist=checklist)
    assert contact.status == Contact.PENDING and contact.hint == "h…@example.jp"
    assert not Message.objects.filter(kind=Message.DIGEST).exists(), "nothing before the confirmation"

    confirm = Message.objects.get(kind=Message.CONFIRM)
    assert services.message_send(message_id=confirm.pk).status == Message.SENT
    [(rcpt, mail)] = smtp.messages
    assert rcpt == [ADDRESS]
    assert "List-Unsubscribe" not in mail
    path = link(mail, "r/confirm")
    page = client.get(path)
    assert page.status_code == 200 and b'method="post"' in page.content
    assert Contact.objects.get(pk=contact.pk).status == Contact.PENDING, "a GET (a mail scanner) confirms nothing"
    assert client.post(path).status_code == 200
    assert Contact.objects.get(pk=contact.pk).status == Contact.ACTIVE
    assert Message.objects.filter(kind=Message.DIGEST, status=Message.PENDING).exists()
    assert client.post(path).status_code == 200, "a second click is harmless"

    assert not database_contains(ADDRESS) and not database_contains("hanako.yamada")
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]  # aiosmtpd's own log
    assert ours and not any(ADDRESS in line for line in ours)


def test_the_digest_lists_what_is_due_with_unsubscribe_headers(smtp):
    checklist = new_checklist()
    contact = active_email(checklist, ADDRESS)
    Message.objects.filter(kind=Message.CONFIRM).delete()
    first = Message.objects.filter(kind=Message.DIGEST).order_by("due_at").first()
    send_due(first.due_at)
    [(_, mail)] = smtp.messages
    assert mail["Message-ID"] == f"<{first.uid}@127.0.0.1>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(r"<(https?://[^>]+)>", str(mail["List-Unsubscribe"])).group(1)
    assert "/r/unsubscribe/" in unsubscribe
    assert {p.get_content_type() for p in mail.iter_parts()} == {"text/plain", "text/html"}
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    due = [i for i in checklist.item_list if i.deadline and (i.deadline - first.day).days in (7, 3, 1, 0)]
    assert due
    for item in due:
        assert item.deadline.isoformat() in text and item.deadline.isoformat() in html
    assert f"/c/{checklist.token}/" in text and f"/c/{checklist.token}/" in html
    assert "期限" in mail["Subject"]

    # RFC 8058: a POST without cookies (and so without a CSRF token) unsubscribes at once.
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    bare = Client(enforce_csrf_checks=True)
    assert bare.get("/" + path).status_code == 200
    assert Contact.objects.get(pk=contact.pk).status == Contact.ACTIVE, "GET only shows the confirm page"
    r = bare.post("/" + path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200
    stopped = Contact.objects.get(pk=contact.pk)
    assert stopped.status == Contact.STOPPED and bytes(stopped.secret) == b""
    assert not Message.objects.filter(contact=contact, status=Message.PENDING).exists()
    send_due(timezone.now() + timedelta(days=60))
    assert len(smtp.messages) == 1, "nothing after unsubscribing"


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [("en", "due soon", "Your checklist"), ("easy", "きげん", "チェックリスト")],
)
def test_the_message_is_in_the_checklists_language(smtp, language, subject, phrase):
    checklist = new_checklist(language=language)
    active_email(checklist, ADDRESS)
    Message.objects.filter(kind=Message.CONFIRM).delete()
    first = Message.objects.filter(kind=Message.DIGEST).order_by("due_at").first()
    send_due(first.due_at)
    [(_, mail)] = smtp.messages
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert subject in mail["Subject"] and phrase in text
    if language == "en":
        assert 'lang="en"' in mail.get_body(preferencelist=("html",)).get_content()
        assert not re.search(r"[ぁ-ん]", mail["Subject"])


def test_smtp_4xx_is_retried_later_then_sent(smtp):
    checklist = new_checklist()
    contact = services.contact_email_add(checklist=checklist, email=ADDRESS)
    confirm = Message.objects.get(contact=contact)
    smtp.refusals.append("451 4.3.0 Try again later")
    now = timezone.now()
    outcome = services.message_send(message_id=confirm.pk, now=now)
    row = Message.objects.get(pk=confirm.pk)
    assert outcome.status == "retry" and row.status == Message.PENDING and row.due_at > now
    assert row.error == "SMTP 451 server refused"
    send_due(row.due_at)
    row.refresh_from_db()
    assert row.status == Message.SENT and row.attempts == 2
    assert smtp.ids() == [f"<{row.uid}@127.0.0.1>"]


def test_smtp_5xx_fails_for_good_and_is_not_retried(smtp):
    checklist = new_checklist()
    contact = services.contact_email_add(checklist=checklist, email=ADDRESS)
    confirm = Message.objects.get(contact=contact)
    smtp.refusals.append("550 5.1.1 No such user " + ADDRESS)
    assert services.message_send(message_id=confirm.pk).status == Message.FAILED
    row = Message.objects.get(pk=confirm.pk)
    assert row.status == Message.FAILED and row.error == "SMTP 550 server refused" and row.attempts == 1
    assert services.claim_due(now=timezone.now() + timedelta(days=400)) == []
    assert not smtp.messages
    assert not database_contains(ADDRESS), "not even the server's reply quoting the address"


def confirmation(address: str = ADDRESS) -> Message:
    return Message.objects.get(contact=services.contact_email_add(checklist=new_checklist(), email=address))


PIPELINING = pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining", "one-at-a-time"])


def envelope_and_data(chunks: list[bytes]) -> tuple[list[bytes], bytes]:
    """The client's writes of MAIL, RCPT and DATA, and all it wrote after them (the message)."""
    at = [i for i, c in enumerate(chunks) if re.search(rb"^(MAIL FROM|RCPT TO|DATA\r\n)", c, re.M | re.I)]
    return [chunks[i] for i in at], b"".join(chunks[at[-1] + 1 :])


@PIPELINING
def test_mail_rcpt_and_data_go_in_one_write_when_the_server_offers_pipelining(smtp, settings, pipelining):
    smtp.pipelining = pipelining
    recorder = Recorder(smtp.port)
    settings.EMAIL_PORT = recorder.port
    message = confirmation()
    assert services.message_send(message_id=message.pk).status == Message.SENT
    recorder.close()
    assert smtp.ids() == [f"<{message.uid}@127.0.0.1>"]
    envelope, data = envelope_and_data(recorder.chunks)
    mail_from = re.match(rb"MAIL FROM:<\S+> (.*?)\r\n", envelope[0], re.I).group(1).upper().split()
    size = len(data) - len(b".\r\n")  # the message, its end marker after it (no line began with a dot)
    assert sorted(mail_from) == [b"BODY=8BITMIME", b"SIZE=%d" % size], "8bit declared, the size exact"
    if pipelining:
        assert len(envelope) == 1 and re.fullmatch(rb"MAIL FROM:.*\r\nRCPT TO:<\S+>\r\nDATA\r\n", envelope[0])
    else:
        assert [chunk[:4].upper() for chunk in envelope] == [b"MAIL", b"RCPT", b"DATA"]  # as smtplib writes them


@PIPELINING
@pytest.mark.parametrize(
    "reply, status", [("550 5.1.1 No such user", Message.FAILED), ("450 4.2.1 Mailbox busy", "retry")]
)
def test_a_refused_recipient_fails_or_is_retried_and_the_next_message_goes(smtp, reply, status, pipelining):
    smtp.pipelining = pipelining
    refused, next_one = confirmation(), confirmation("jiro@example.jp")
    smtp.rcpt_refusals.append(reply)
    assert services.message_send(message_id=refused.pk).status == status
    assert Message.objects.get(pk=refused.pk).error == f"SMTP {reply[:3]} recipient refused"
    assert services.message_send(message_id=next_one.pk).status == Message.SENT  # the transaction was reset
    assert smtp.ids() == [f"<{next_one.uid}@127.0.0.1>"]


@PIPELINING
def test_a_refused_sender_is_retried_and_the_next_message_goes(smtp, pipelining):
    smtp.pipelining = pipelining
    refused, next_one = confirmation(), confirmation("jiro@example.jp")
    smtp.mail_refusals.append("451 4.3.0 Try again later")
    assert services.message_send(message_id=refused.pk).status == "retry"
    assert Message.objects.get(pk=refused.pk).error == "SMTP 451 server refused"
    assert services.message_send(message_id=next_one.pk).status == Message.SENT
    assert smtp.ids() == [f"<{next_one.uid}@127.0.0.1>"]


def letter_with(text: str, html: str = "<p>本文</p>"):
    from reminders.content import Letter

    return Letter(subject="件名", text=text, html=html, message_id="<dots@example.jp>", topic="t", unsubscribe_url=None)


@PIPELINING
def test_lines_that_begin_with_a_dot_arrive_as_written(smtp, pipelining):
    from reminders.channels import email as channel

    smtp.pipelining = pipelining
    text = ".\n..\n.一行目\n本文\n."
    channel.send(to=ADDRESS, letter=letter_with(text))
    [(_, received)] = smtp.messages
    assert received.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n") == text


def test_a_server_without_8bitmime_gets_quoted_printable_and_no_8bit_declared(smtp, settings):
    from reminders.channels import email as channel

    smtp.eight_bit = False
    recorder = Recorder(smtp.port)
    settings.EMAIL_PORT = recorder.port
    channel.send(to=ADDRESS, letter=letter_with("期限が近い手続きのお知らせです。\n", "<p>転入届</p>"))
    recorder.close()
    envelope, data = envelope_and_data(recorder.chunks)
    assert b"BODY=8BITMIME" not in envelope[0].upper() and data.isascii(), "7-bit all through"
    [(_, received)] = smtp.messages
    plain, html = received.get_body(preferencelist=("plain",)), received.get_body(preferencelist=("html",))
    assert plain["Content-Transfer-Encoding"] == html["Content-Transfer-Encoding"] == "quoted-printable"
    assert plain.get_content().replace("\r\n", "\n") == "期限が近い手続きのお知らせです。\n"
    assert html.get_content().strip() == "<p>転入届</p>"


def test_an_unreachable_server_is_a_retry_and_the_attempts_are_bounded(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    checklist = new_checklist()
    contact = services.contact_email_add(checklist=checklist, email=ADDRESS)
    confirm = Message.objects.get(contact=contact)
    now = timezone.now()
    for _ in range(settings.REMINDER_MAX_ATTEMPTS):
        row = Message.objects.get(pk=confirm.pk)
        if row.status == Message.PENDING:
            Message.objects.filter(pk=row.pk).update(status=Message.QUEUED)
        services.message_send(message_id=confirm.pk, now=now)
    row = Message.objects.get(pk=confirm.pk)
    assert row.status == Message.FAILED and row.attempts == settings.REMINDER_MAX_ATTEMPTS
    assert "after 5 attempts" in row.error


def test_the_message_bytes_parse_back_and_keep_smtps_line_limit(smtp, settings):
    """A line longer than SMTP allows (a long link in the HTML) goes quoted-printable; the rest 8bit."""
    import email as parser
    import email.policy

    from reminders.channels import email as channel
    from reminders.content import Letter

    settings.DEFAULT_FROM_EMAIL = "手続ナビ <navi@example.jp>"
    long_line = "<p>" + "あ" * 600 + "</p>"  # 1,800 bytes of UTF-8
    letter = Letter(
        subject="【手続ナビ】期限が近い手続きが2件あります（とても長い件名が折り返されても読めること）",
        text="一行目\n二行目\n",
        html=f"<html>\n{long_line}\n</html>\n",
        message_id="<abc@example.jp>",
        topic="abc",
        unsubscribe_url="https://navi.example.jp/r/unsubscribe/1:x/",
    )
    data = channel.message_bytes(sender=channel._sender(settings.DEFAULT_FROM_EMAIL), recipient=ADDRESS, letter=letter)
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    mail = parser.message_from_bytes(data, policy=email.policy.default)
    assert not mail.defects and mail["Subject"] == letter.subject and mail["To"] == ADDRESS
    assert (
        mail["From"].addresses[0].display_name == "手続ナビ"
        and mail["From"].addresses[0].addr_spec == "navi@example.jp"
    )
    assert mail["List-Unsubscribe"] == f"<{letter.unsubscribe_url}>" and mail["Message-ID"] == letter.message_id
    plain, html = mail.get_body(preferencelist=("plain",)), mail.get_body(preferencelist=("html",))
    assert plain["Content-Transfer-Encoding"] == "8bit" and plain.get_content().replace("\r\n", "\n") == letter.text
    assert html["Content-Transfer-Encoding"] == "quoted-printable" and long_line in html.get_content()

    channel.send(to=ADDRESS, letter=letter)  # and a real server takes it as it is
    [(rcpt, received)] = smtp.messages
    assert (
        rcpt == [ADDRESS]
        and received["Subject"] == letter.subject
        and long_line in received.get_body(preferencelist=("html",)).get_content()
    )
