#!/usr/bin/env python3
"""Challenge timing and per-IMPI challenge load of `imsguard run` (issue 17 F6, F10).

Starts one `imsguard run` on loopback (own temp data dir, stopped by PID at exit) with three
subscribers: alice (Digest), bob (AKA), carol (AKA, barred). Then, over UDP from 127.0.0.1:

  timing  : REGISTERs without credentials for bob (real AKA), carol (barred AKA) and unknown
            names, interleaved, SAMPLES each; the time from send to the 401 per class
            (median, p90). The challenge cap is set out of reach so every one is answered; 10 unknown names
            only, under the scanner guard's 20 distinct users per source.
  cap     : with the default cap (max_challenges_per_impi 30), CAP_REQUESTS REGISTERs for bob
            carrying an Authorization in the IMS initial form (identity, no answer);
            how many were challenged and how far bob's stored SQN moved.

Usage: bench/auth/challenge_timing.py path/to/imsguard   (SAMPLES=300 CAP_REQUESTS=200)
Loopback only; every loop is bounded in count and each receive by a timeout.
"""
import os, socket, statistics, subprocess, sys, tempfile, time

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/release/imsguard"
SAMPLES = int(os.environ.get("SAMPLES", "300"))
CAP_REQUESTS = int(os.environ.get("CAP_REQUESTS", "200"))
K, OPC = "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cli(data, *args):
    subprocess.run([BIN, *args, "--data-dir", data], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start(data, port, guards):
    with open(f"{data}/imsguard.yaml", "w") as f:
        f.write(f"""roles: [edge, core]
data_dir: {data}
state: sqlite
events: {{ output: {data}/events.jsonl }}
sip:
  domain: ims.local
  workers: 2
  listen:
    - {{ transport: udp, address: 127.0.0.1, port: {port} }}
auth:
  realm: ims.local
  digest_algorithms: [MD5]
guards:
  ratelimit: {{ per_source_rps: 100000, per_impi_rps: 100000, per_method_rps: 100000, burst: 100000 }}
  bruteforce: {guards}
""")
    log = open(f"{data}/imsguard.log", "w")
    p = subprocess.Popen([BIN, "run", "--config", f"{data}/imsguard.yaml"], stdout=log, stderr=log)
    return p


class Peer:
    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.n = 0

    def register(self, edge_port, user, auth="", timeout=1.0):
        self.n += 1
        msg = (f"REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bKt{self.n}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:{user}@ims.local>;tag=t{self.n}\r\nTo: <sip:{user}@ims.local>\r\n"
               f"Call-ID: timing-{self.n}\r\nCSeq: {self.n} REGISTER\r\nContact: <sip:u@127.0.0.1:{self.port}>\r\n"
               f"{auth}Content-Length: 0\r\n\r\n").encode()
        t0 = time.perf_counter_ns()
        self.s.sendto(msg, ("127.0.0.1", edge_port))
        self.s.settimeout(timeout)
        while True:
            try:
                data, _ = self.s.recvfrom(65535)
            except socket.timeout:
                return None, None
            if data.startswith(b"SIP/2.0 1"):
                continue
            return int(data.split(b" ", 2)[1]), (time.perf_counter_ns() - t0) / 1000.0


def wait_up(peer, port):
    for _ in range(100):
        code, _ = peer.register(port, "probe-start")
        if code:
            return True
        time.sleep(0.1)
    return False


def sqn_of(data, impi):
    out = subprocess.run([BIN, "subscriber", "show", impi, "--data-dir", data], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "sqn" in line.lower():
            return line.strip()
    return "?"


def main():
    data = tempfile.mkdtemp(prefix="imsguard-timing-")
    cli(data, "subscriber", "add", "--realm", "ims.local", "--impi", "alice@ims.local", "--impu", "sip:alice@ims.local",
        "--password", "alice-secret", "--service", "messaging")
    for u in ("bob", "carol"):
        cli(data, "subscriber", "add", "--realm", "ims.local", "--impi", f"{u}@ims.local", "--impu", f"sip:{u}@ims.local",
            "--k", K, "--opc", OPC, "--service", "messaging")
    cli(data, "subscriber", "bar", "carol@ims.local")

    port = free_port()
    p = start(data, port, "{ max_challenges_per_impi: 100000, max_failures: 1000, per_impi_distributed: 100000 }")
    try:
        peer = Peer()
        if not wait_up(peer, port):
            sys.exit("imsguard did not start")
        times = {"aka-real": [], "aka-barred": [], "unknown": []}
        for i in range(SAMPLES):
            for cls, user in (("aka-real", "bob"), ("aka-barred", "carol"), ("unknown", f"ghost{i % 10}")):
                code, us = peer.register(port, user)
                if code == 401:
                    times[cls].append(us)
        for cls, t in times.items():
            t.sort()
            print(f"RESULT timing class={cls} n={len(t)} median_us={statistics.median(t):.0f} "
                  f"p90_us={t[int(len(t) * 0.9)]:.0f}")
    finally:
        p.terminate()
        p.wait(20)

    port = free_port()
    p = start(data, port, "{ max_challenges_per_impi: 30 }")
    try:
        peer = Peer()
        if not wait_up(peer, port):
            sys.exit("imsguard did not start")
        before = sqn_of(data, "bob@ims.local")
        challenged = 0
        for i in range(CAP_REQUESTS):
            # The IMS initial form: an identity, no answer (made-up answers would also lock the
            # source out after max_failures on the old code, hiding the cap's absence).
            auth = ('Authorization: Digest username="bob@ims.local", realm="ims.local", nonce="", '
                    'uri="sip:ims.local", response=""\r\n')
            code, _ = peer.register(port, "bob", auth, timeout=0.2)
            if code == 401:
                challenged += 1
        after = sqn_of(data, "bob@ims.local")
        print(f"RESULT cap requests={CAP_REQUESTS} challenged={challenged} sqn_before='{before}' sqn_after='{after}'")
    finally:
        p.terminate()
        p.wait(20)


if __name__ == "__main__":
    main()
