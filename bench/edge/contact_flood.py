#!/usr/bin/env python3
"""Issue 17 F3 measured: one subscriber registers Contact after Contact for its own AoR while
other subscribers keep registering, against a release `imsguard run` on loopback.

Prints, for the cap under test (registrar.max_contacts_per_aor):
  bindings stored for the attacker's AoR (SQLite rows after a clean stop),
  RSS of the edge before and at the end of the attack (VmRSS, and VmHWM),
  the legitimate registrations' success rate and latency (REGISTER, 401, REGISTER, 200
  within 2 s) while the attack runs, and how many of the attacker's REGISTERs were answered.

Each legitimate phone registers from its own address (127.0.1.N), the attacker from
127.0.0.2, all under the default guards. The attacker sends authenticated REGISTERs (Digest MD5, the nonce reused with the next nc as
phones do) of CONTACTS new Contacts each, RATE a second, without waiting for answers (a 200
listing 100k Contacts no longer fits a datagram; the edge stores them all the same); it asks
for a fresh nonce every 20 s. Everything is on 127.0.0.1, bounded in time, and the edge is
stopped by its PID.

Usage: bench/edge/contact_flood.py [--bin build/release/imsguard] [--cap 10] [--seconds 30]
       [--rate 20] [--contacts 150] [--legit 20]
  --cap 100000 is the cap out of the way (the edge of main before issue 17 F3 had none).
"""
import argparse
import hashlib
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REALM = "ims.local"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def digest_line(user, password, nonce, nc, method="REGISTER", uri="sip:ims.local"):
    impi = f"{user}@{REALM}"
    ha1 = md5(f"{impi}:{REALM}:{password}")
    ha2 = md5(f"{method}:{uri}")
    ncs = f"{nc:08x}"
    resp = md5(f"{ha1}:{nonce}:{ncs}:0a4f113b:auth:{ha2}")
    return (f'Authorization: Digest username="{impi}", realm="{REALM}", nonce="{nonce}", uri="{uri}", '
            f'response="{resp}", algorithm=MD5, qop=auth, nc={ncs}, cnonce="0a4f113b"\r\n')


def register(sock, port, user, call_id, cseq, branch, contacts, auth="", expires=3600):
    la, lp = sock.getsockname()
    lines = "".join(f"Contact: {c}\r\n" for c in contacts)
    return (f"REGISTER sip:{REALM} SIP/2.0\r\nVia: SIP/2.0/UDP {la}:{lp};rport;branch=z9hG4bK{branch}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{user}@{REALM}>;tag={call_id}\r\nTo: <sip:{user}@{REALM}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n{lines}Expires: {expires}\r\nUser-Agent: contact-flood\r\n"
            f"{auth}Content-Length: 0\r\n\r\n").encode()


def status(data):
    m = re.match(rb"SIP/2\.0 (\d{3})", data)
    return int(m.group(1)) if m else 0


def nonce_of(data):
    m = re.search(rb'nonce="([^"]+)"', data)
    return m.group(1).decode() if m else None


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Legit(threading.Thread):
    """One subscriber registering again and again: 401, answer, 200 within 2 s."""

    def __init__(self, port, user, password, stop, address):
        super().__init__(daemon=True)
        self.port, self.user, self.password, self.stop, self.address = port, user, password, stop, address
        self.ok = self.failed = 0
        self.latencies = []

    def exchange(self, sock, msg, timeout):
        sock.sendto(msg, ("127.0.0.1", self.port))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            sock.settimeout(left)
            try:
                data = sock.recv(65535)
            except socket.timeout:
                return None
            if status(data) >= 200:
                return data

    def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((self.address, 0))
        contact = f"<sip:{self.user}@{self.address}:{sock.getsockname()[1]}>"
        n = 0
        while not self.stop.is_set():
            n += 1
            t0 = time.monotonic()
            call_id = f"legit-{self.user}-{n}"
            first = self.exchange(sock, register(sock, self.port, self.user, call_id, 1, f"l{self.user}{n}a", [contact]), 2.0)
            done = False
            if first and status(first) == 401 and nonce_of(first):
                auth = digest_line(self.user, self.password, nonce_of(first), 1)
                second = self.exchange(sock, register(sock, self.port, self.user, call_id, 2, f"l{self.user}{n}b",
                                                      [contact], auth), max(0.01, 2.0 - (time.monotonic() - t0)))
                done = second is not None and status(second) == 200
            if done:
                self.ok += 1
                self.latencies.append((time.monotonic() - t0) * 1000)
            else:
                self.failed += 1
            time.sleep(0.2)


def attack(port, password, seconds, rate, per_register, stop, counts):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.2", 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    user = "mallory"
    answers = {}

    def reader():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                data = sock.recv(65535)
            except (socket.timeout, OSError):
                continue
            code = status(data)
            answers[code] = answers.get(code, 0) + 1
            if code == 401 and nonce_of(data):
                counts["nonce"] = nonce_of(data)
                counts["nc"] = 0

    threading.Thread(target=reader, daemon=True).start()
    next_contact = 0
    sent = 0
    start = time.monotonic()
    last_nonce_ask = -100.0
    while time.monotonic() - start < seconds and not stop.is_set():
        now = time.monotonic() - start
        if now - last_nonce_ask >= 20:
            sock.sendto(register(sock, port, user, f"flood-nonce-{int(now)}", 1, f"fn{int(now)}", []), ("127.0.0.1", port))
            last_nonce_ask = now
            t = time.monotonic()
            while counts.get("nonce") is None and time.monotonic() - t < 2:
                time.sleep(0.01)
        nonce = counts.get("nonce")
        if nonce is not None:
            counts["nc"] = counts.get("nc", 0) + 1
            auth = digest_line(user, password, nonce, counts["nc"])
            per_line = 15
            batch = [f"10.{66 + (next_contact + i) // 62500}.{((next_contact + i) // 250) % 250}.{(next_contact + i) % 250}"
                     for i in range(per_register)]
            lines = [", ".join(f"<sip:{user}@{a}:5060>" for a in batch[i:i + per_line]) for i in range(0, len(batch), per_line)]
            next_contact += per_register
            sent += 1
            sock.sendto(register(sock, port, user, "flood-main", 1 + sent, f"f{sent}", lines, auth), ("127.0.0.1", port))
        time.sleep(max(0.0, (sent + 1) / rate - (time.monotonic() - start)))
    counts["sent"] = sent
    counts["contacts_sent"] = next_contact
    counts["answers"] = answers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/release/imsguard")
    ap.add_argument("--cap", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--contacts", type=int, default=150)
    ap.add_argument("--legit", type=int, default=20)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    with tempfile.TemporaryDirectory(prefix="imsguard-contact-flood-") as work:
        users = [("mallory", "mallory-pw")] + [(f"user{i:02d}", f"pw-user{i:02d}") for i in range(a.legit)]
        with open(f"{work}/subs.csv", "w") as f:
            f.write("impi,impu,password\n")
            for u, p in users:
                f.write(f"{u}@{REALM},sip:{u}@{REALM},{p}\n")
        subprocess.run([binary, "subscriber", "import", "--data-dir", f"{work}/data", f"{work}/subs.csv"], check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        with open(f"{work}/imsguard.yaml", "w") as f:
            f.write(f"""roles: [edge, core]
data_dir: {work}/data
events: {{ output: {work}/events.jsonl }}
sip:
  workers: 2
  listen:
    - {{ transport: udp, address: 127.0.0.1, port: {port} }}
auth:
  digest_algorithms: [MD5]
registrar:
  max_contacts_per_aor: {a.cap}
""")
        log = open(f"{work}/imsguard.log", "w")
        edge = subprocess.Popen([binary, "run", "--config", f"{work}/imsguard.yaml"], stdout=log, stderr=subprocess.STDOUT)
        try:
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.bind(("127.0.0.1", 0))
            probe.settimeout(0.2)
            for _ in range(100):
                probe.sendto(register(probe, port, "probe", "probe", 1, "probe", []), ("127.0.0.1", port))
                try:
                    probe.recv(65535)
                    break
                except socket.timeout:
                    continue
            rss_before = rss_kb(edge.pid)
            stop = threading.Event()
            # Each phone from its own address, as phones are (from one address 20 users would
            # be a scanner to the scanner guard); the attacker from 127.0.0.2.
            legit = [Legit(port, u, p, stop, f"127.0.1.{i + 1}") for i, (u, p) in enumerate(users[1:])]
            for t in legit:
                t.start()
            counts = {}
            attack(port, "mallory-pw", a.seconds, a.rate, a.contacts, threading.Event(), counts)
            stop.set()
            for t in legit:
                t.join(5)
            rss_after, hwm = rss_kb(edge.pid), rss_kb(edge.pid, "VmHWM")
        finally:
            edge.send_signal(signal.SIGTERM)
            try:
                edge.wait(60)
            except subprocess.TimeoutExpired:
                edge.kill()
                edge.wait()
            log.close()
        db = sqlite3.connect(f"{work}/data/imsguard.db")
        stored = db.execute("SELECT COUNT(*) FROM bindings WHERE aor = ?", (f"sip:mallory@{REALM}",)).fetchone()[0]
        db.close()
        ok = sum(t.ok for t in legit)
        failed = sum(t.failed for t in legit)
        lat = sorted(x for t in legit for x in t.latencies)
        p50 = statistics.median(lat) if lat else float("nan")
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan")
        answers = " ".join(f"{k}:{v}" for k, v in sorted(counts.get("answers", {}).items()))
        print(f"CAP max_contacts_per_aor={a.cap} attack={a.seconds}s rate={a.rate}/s contacts_per_register={a.contacts} "
              f"legit_users={a.legit}")
        print(f"ATTACK registers_sent={counts.get('sent', 0)} contacts_sent={counts.get('contacts_sent', 0)} "
              f"answers_by_status={answers or 'none'}")
        print(f"RESULT bindings_stored={stored} rss_before_mb={rss_before / 1024:.1f} rss_after_mb={rss_after / 1024:.1f} "
              f"rss_peak_mb={hwm / 1024:.1f} legit_ok={ok} legit_failed={failed} "
              f"legit_success={100.0 * ok / max(1, ok + failed):.1f}% legit_p50_ms={p50:.1f} legit_p99_ms={p99:.1f}")


if __name__ == "__main__":
    sys.exit(main())
