#!/usr/bin/env python3
"""Hostile HTTP clients against `ronghe serve` on loopback (tests/spec/http_spec.lua).

    http_abuse.py PORT SCENARIO

Scenarios (each bounded in time, each ends by checking that GET /health still
answers 200) print one JSON object:
  malformed   send each malformed or oversized request on its own connection;
              report the status line received (or "closed"/"timeout") per case
  slow        20 slowloris clients trickle a request byte by byte for ~4 s while
              a normal client asks /health every 0.25 s; report the slowest answer
  flood       open 300 connections at once, each asking /health; then hold 200
              idle connections open and ask /health on a new one
"""
import json
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def request(port, data, timeout=5.0, read_all=False):
    """Sends raw bytes on a new connection; returns the status line or a word."""
    try:
        s = socket.create_connection((HOST, port), timeout=timeout)
    except OSError as e:
        return "refused: %s" % e.__class__.__name__
    try:
        s.settimeout(timeout)
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close before reading everything: fine
        buf = b""
        deadline = time.time() + timeout
        while b"\r\n" not in buf and time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return "timeout"
            except OSError:
                return "closed"
            if not chunk:
                break
            buf += chunk
        if not buf:
            return "closed"
        return buf.split(b"\r\n", 1)[0].decode("latin-1")
    finally:
        s.close()


def health(port, timeout=5.0):
    t0 = time.time()
    line = request(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout)
    return line, time.time() - t0


def post(body, length=None):
    n = len(body) if length is None else length
    return b"POST /evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % n + body


def malformed(port):
    big = b"x" * (1 << 20)
    cases = {
        "garbage": b"GARBAGE\r\n\r\n",
        "binary": bytes(range(256)) * 4,
        "nul_in_path": b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n",
        "no_version": b"GET /health\r\n\r\n",
        "http_9_9": b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        "header_no_colon": b"GET /health HTTP/1.1\r\nHost x\r\n\r\n",
        "traversal": b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        "encoded_traversal": b"GET /runs/%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\n\r\n",
        "bad_percent": b"GET /runs?limit=%zz&schedule=%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n",
        "huge_url": b"GET /runs?x=" + b"a" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "huge_header": b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + big + b"\r\n\r\n",
        "many_headers": b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 20000 + b"\r\n",
        "negative_length": b"POST /evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
        "length_overflow": b"POST /evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
        "length_lies": b"POST /evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{\"subjects\":",
        "bad_chunked": b"POST /evaluate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "body_not_json": post(b"{not json"),
        "body_deep_json": post(b"[" * 100000 + b"]" * 100000),
        "body_bad_unicode": post(b'{"subjects":["\\ud800\\udfff\\u0000"]}'),
        "body_lone_surrogate": post(b'{"subjects":["enterprise:1\\ud800"]}'),
        "body_wrong_types": post(b'{"subjects":[1,{},null],"as_of":1e999}'),
        "body_many_subjects": post(b'{"subjects":[' + b",".join([b'"enterprise:%d"' % i for i in range(20000)]) + b"]}"),
        "body_huge": post(b" " * 20971520),
        "subject_injection": b"GET /subjects/enterprise:1%27%3B%20DROP%20TABLE%20enterprise%3B-- HTTP/1.1\r\nHost: x\r\n\r\n",
        "evaluate_injection": b"GET /evaluate/enterprise:1?as_of=2024-01-01%27-- HTTP/1.1\r\nHost: x\r\n\r\n",
        "limit_huge": b"GET /runs?limit=99999999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n",
        "unknown_method": b"BREW /health HTTP/1.1\r\nHost: x\r\n\r\n",
        "http2_preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "pipelined_100": b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 100,
    }
    out = {}
    for name, data in cases.items():
        # a body that never comes is waited for by the server: don't wait long
        out[name] = request(port, data, timeout=2.0 if name == "length_lies" else 10.0)
    line, _ = health(port)
    return {"cases": out, "health": line}


def slow(port):
    stop = time.time() + 4.0
    req = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 100

    def trickle():
        try:
            s = socket.create_connection((HOST, port), timeout=10)
        except OSError:
            return
        try:
            for b in req:
                if time.time() > stop:
                    break
                s.sendall(bytes([b]))
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            s.close()

    threads = [threading.Thread(target=trickle) for _ in range(20)]
    for t in threads:
        t.start()
    worst, answers, bad = 0.0, 0, []
    while time.time() < stop:
        line, dt = health(port)
        if not line.startswith("HTTP/1.1 200"):
            bad.append(line)
        worst = max(worst, dt)
        answers += 1
        time.sleep(0.25)
    for t in threads:
        t.join()
    line, _ = health(port)
    return {"answers": answers, "worst": worst, "bad": bad, "health": line}


def flood(port):
    results = []
    lock = threading.Lock()

    def one():
        line = request(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 20.0)
        with lock:
            results.append(line)

    threads = [threading.Thread(target=one) for _ in range(300)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = sum(1 for r in results if r.startswith("HTTP/1.1 200"))
    idle = []
    for _ in range(200):
        try:
            idle.append(socket.create_connection((HOST, port), timeout=5))
        except OSError:
            break
    line, dt = health(port, timeout=10.0)
    for s in idle:
        s.close()
    after, _ = health(port)
    others = sorted(set(r for r in results if not r.startswith("HTTP/1.1 200")))
    return {"ok": ok, "total": len(results), "others": others, "idle_held": len(idle),
            "health_with_idle": line, "health_seconds": dt, "health": after}


def main():
    port, scenario = int(sys.argv[1]), sys.argv[2]
    fn = {"malformed": malformed, "slow": slow, "flood": flood}[scenario]
    print(json.dumps(fn(port)))


if __name__ == "__main__":
    main()
