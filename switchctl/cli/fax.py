"""``switchctl fax send|list|show|cancel|resend|numbers|number-add|number-remove|settings|set``:
virtual fax for ops (services/fax). ``serve`` sends what is queued."""

import argparse
from pathlib import Path

from switchctl.cli.common import (DOMAIN_SETTINGS, date_argument, existing_extension,
                                  handles, print_setting, print_settings)
from switchctl.services import ValidationError, fax, fax_numbers
from switchctl.services.domains import time_zone
from switchctl.services.fax_documents import MAX_BYTES, Upload


LIST_LIMIT = 500


def job_id(text):
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fax id (a number)")
    return int(text)


def add_parser(commands):
    actions = commands.add_parser("fax", help="virtual fax: send, the fax log, fax numbers"
                                  ).add_subparsers(dest="action", required=True)
    send = actions.add_parser("send", help="queue a fax from an extension (serve sends it)")
    send.add_argument("extension")
    send.add_argument("number", help="as dialled from the extension's phone (outbound "
                                     "prefix first)")
    send.add_argument("files", nargs="+", type=Path, help="PDF, TIFF, PNG or JPEG, in order")
    send.add_argument("--cover", action="store_true", help="put a cover page first")
    send.add_argument("--to", default="", help="the cover page's recipient")
    send.add_argument("--subject", default="", help="the cover page's subject")
    send.add_argument("--note", default="", help="the cover page's note")
    handles(send, cmd_send, DOMAIN_SETTINGS)
    listing = actions.add_parser("list", help="the fax log, newest first")
    listing.add_argument("--extension", help="only this extension's faxes")
    listing.add_argument("--direction", choices=("sent", "received"))
    listing.add_argument("--from", dest="start", type=date_argument,
                         help="from this day (YYYY-MM-DD)")
    listing.add_argument("--to", dest="end", type=date_argument, help="to this day, inclusive")
    handles(listing, cmd_list)
    show = actions.add_parser("show", help="one fax and each try made to send it")
    show.add_argument("id", type=job_id)
    handles(show, cmd_show)
    cancel = actions.add_parser("cancel", help="take a queued fax out of the queue")
    cancel.add_argument("id", type=job_id)
    handles(cancel, cmd_cancel)
    resend = actions.add_parser("resend", help="queue a failed or canceled fax again")
    resend.add_argument("id", type=job_id)
    handles(resend, cmd_resend)
    handles(actions.add_parser("numbers", help="the numbers answered as fax machines"),
            cmd_numbers)
    add = actions.add_parser("number-add", help="answer NUMBER (a DID of the trunk, or an "
                                                "internal number) as EXTENSION's fax")
    add.add_argument("number")
    add.add_argument("extension")
    handles(add, cmd_number_add)
    remove = actions.add_parser("number-remove", help="stop answering NUMBER as a fax")
    remove.add_argument("number")
    handles(remove, cmd_number_remove)
    handles(actions.add_parser("settings", help="the fax settings in force"), cmd_settings)
    change = actions.add_parser("set", help="change a fax setting ('' for the default)")
    change.add_argument("key", choices=fax.SETTING_KEYS)
    change.add_argument("value")
    handles(change, cmd_set)


def cmd_send(domain, settings, args):
    if not args.cover and (args.to or args.subject or args.note):
        raise ValidationError("--to, --subject and --note go on a cover page: add --cover")
    sender = existing_extension(domain, args.extension)
    uploads = [_upload(path) for path in args.files]
    cover = fax.Cover(args.to, args.subject, args.note) if args.cover else None
    try:
        job = fax.submit(sender, args.number, uploads, settings.media_folder, cover=cover)
    except RuntimeError as exc:  # no Ghostscript, or the converter died or ran out of time
        raise ValidationError(f"the fax could not be made: {exc}") from None
    pages = f"{job.pages} page{'s' * (job.pages != 1)}"
    if job.status == "sent":  # one of the domain's own fax numbers
        print(f"fax {job.id} delivered: {pages} from {args.extension} to fax number "
              f"{job.destination}")
    else:
        print(f"fax {job.id} queued: {pages} from {args.extension} to {args.number}")
    return 0


def _upload(path):
    try:
        if path.stat().st_size > MAX_BYTES * 5:  # beyond any limit a setting allows
            raise ValidationError(f"{path} is too large to fax")
        return Upload(path.name, path.read_bytes())
    except OSError as exc:
        raise ValidationError(f"cannot read {path} ({exc.strerror or exc})") from None


def cmd_list(domain, args):
    if args.start and args.end and args.end < args.start:
        raise ValidationError("the end date is before the start date")
    extension = existing_extension(domain, args.extension) if args.extension else None
    rows, more = fax.log_of(domain, extension, args.start, args.end, args.direction,
                            zone=time_zone(domain), per_page=LIST_LIMIT)
    for row in rows:
        print(row)
    if not rows:
        print("no faxes")
    elif more:
        print(f"(the newest {LIST_LIMIT}: narrow it with --from and --to)")
    return 0


def cmd_show(domain, args):
    job = fax.job_of(domain, args.id)
    if job is None:
        raise ValidationError(f"no fax {args.id}")
    other = job.destination or job.remote_number or "unknown"
    way = "outgoing to" if job.direction == "sent" else "incoming from"
    print(f"fax {job.id}: {way} {other}, {job.status}")
    print(f"pages\t{job.pages_transferred} of {job.pages}")
    for label, value in (("result", job.result_text), ("code", job.result_code),
                         ("station", job.remote_station), ("fax number", job.fax_number),
                         ("pdf", job.pdf_path)):
        if value not in ("", None):
            print(f"{label}\t{value}")
    for attempt in fax.attempts_of(job.id):
        print(f"try\t{attempt.started:%Y-%m-%d %H:%M:%S}\t{attempt.result}\t{attempt.detail}")
    return 0


def cmd_cancel(domain, args):
    job = _job(domain, args.id)
    fax.cancel(job.extension, job.id)
    print(f"fax {job.id} canceled: it will not be sent")
    return 0


def cmd_resend(domain, args):
    job = _job(domain, args.id)
    fax.resend(job.extension, job.id)
    print(f"fax {job.id} queued again")
    return 0


def _job(domain, job_id):
    job = fax.job_of(domain, job_id)
    if job is None:
        raise ValidationError(f"no fax {job_id}")
    return job


def cmd_numbers(domain, args):
    rows = fax_numbers.listing(domain)
    for row in rows:
        state = "" if row.extension.enabled else "\towner disabled: not answered"
        print(f"{row.number}\t{row.extension.number}{state}")
    if not rows:
        print("no fax numbers")
    return 0


def cmd_number_add(domain, args):
    fax_numbers.assign(existing_extension(domain, args.extension), args.number)
    print(f"{args.number.strip()} answers as the fax of {args.extension}")
    return 0


def cmd_number_remove(domain, args):
    if not fax_numbers.remove(domain, args.number):
        raise ValidationError(f"{args.number} is not a fax number")
    print(f"{args.number} is no longer a fax number")
    return 0


def cmd_settings(domain, args):
    return print_settings(fax.setting_values(domain))


def cmd_set(domain, args):
    fax.set_setting(domain, args.key, args.value)
    return print_setting(fax.setting_values(domain), args.key)
