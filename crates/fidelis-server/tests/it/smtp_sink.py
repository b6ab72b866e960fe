"""A real SMTP server for the delivery tests (aiosmtpd): appends each accepted message to a JSON-lines
file; with --drop-first, drops the connection on the first DATA of every Message-ID before answering
(the client cannot know whether it was delivered; it was not); recipients starting with `bounce`
are refused with 550. Prints `READY <port>` and runs until its standard input closes."""

import argparse
import asyncio
import email
import json
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, drop_first):
        self.out = out
        self.drop_first = drop_first
        self.dropped = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message_id = message.get("Message-ID", "")
        if self.drop_first and message_id not in self.dropped:
            self.dropped.add(message_id)
            server.transport.abort()
            return "421 connection dropped"
        body = message.get_payload(decode=True) or b""
        record = {
            "message_id": message_id,
            "to": envelope.rcpt_tos,
            "subject": str(email.header.make_header(email.header.decode_header(message.get("Subject", "")))),
            "body": body.decode("utf-8", errors="replace"),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--drop-first", action="store_true")
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(args.out, args.drop_first), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
