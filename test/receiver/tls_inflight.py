#!/usr/bin/env python3
"""A delivery held open across a certificate reload (used by 70_tls.sh).

Opens one TLS connection to the receiver, sends a POST's head and the first
half of its body, prints "half-sent FINGERPRINT" (the SHA-256 of the
certificate this connection got), then waits until the file --go exists,
sends the rest and prints "answer STATUS". With --again BODY it then posts
BODY on the same kept-alive connection and prints "again STATUS".
"""
import argparse
import hashlib
import os
import socket
import ssl
import sys
import time


def read_answer(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit("connection closed before the answer: %r" % data)
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        rest += chunk
    return status


def request(path, body):
    return (
        "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Content-Length: %d\r\n\r\n" % (path, len(body))
    ).encode() + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--go", required=True)
    ap.add_argument("--again")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()

    ctx = ssl.create_default_context(cafile=args.ca)
    raw = socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout)
    sock = ctx.wrap_socket(raw, server_hostname="localhost")
    fp = hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest()

    msg = request(args.path, args.body.encode())
    half = len(msg) - len(args.body) // 2
    sock.sendall(msg[:half])
    print("half-sent", fp, flush=True)

    deadline = time.monotonic() + args.timeout
    while not os.path.exists(args.go):
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for " + args.go)
        time.sleep(0.05)
    sock.sendall(msg[half:])
    print("answer", read_answer(sock), flush=True)

    if args.again:
        sock.sendall(request(args.path, args.again.encode()))
        print("again", read_answer(sock), flush=True)
    sock.close()


if __name__ == "__main__":
    sys.exit(main())
