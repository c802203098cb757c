#!/usr/bin/env python3
"""New TCP clients served while N idle connections are held (issue 17, F11).

Usage: idle_connections.py IMSGUARD_BIN [--idle 10000] [--sources 160] [--clients 200]
                           [--mode silent|crlf] [--wait 0]

Starts `IMSGUARD_BIN run` on free loopback ports with the default connection limits
(max_total 10000, max_per_source 64), opens --idle TCP connections spread over --sources
addresses of 127.0.2.0/24 (each under the per-source limit) that send nothing (silent) or one
CRLF CRLF keep-alive ping (crlf: bytes, never a message), waits --wait seconds, then has --clients
new clients from 127.0.0.1 each connect, send OPTIONS and wait up to 2 s for the answer.
Prints one RESULT line. Loopback only; every loop is bounded; the server is stopped by PID.
"""
import argparse, os, resource, signal, socket, subprocess, sys, tempfile, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def options(port, local_port, i):
    return (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{local_port};branch=z9hG4bKbn{i}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:bench@ims.local>;tag={i}\r\nTo: <sip:127.0.0.1>\r\n"
            f"Call-ID: bench-{i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


def served(port, i):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
            c.sendall(options(port, c.getsockname()[1], i))
            c.settimeout(2)
            data = c.recv(4096)
            return data.startswith(b"SIP/2.0 200")
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--sources", type=int, default=160)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--mode", choices=["silent", "crlf"], default="silent")
    ap.add_argument("--wait", type=float, default=0)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    d = tempfile.mkdtemp(prefix="imsguard-idle-")
    port = free_port()
    # Scanner and rate-limit guards off: the probes all come from 127.0.0.1 and are OPTIONS.
    cfg = (f"roles: [edge, core]\ndata_dir: {d}\nstate: memory\nevents: {{ output: none }}\n"
           f"sip:\n  domain: ims.local\n  workers: 2\n  listen:\n"
           f"    - {{ transport: udp, address: 127.0.0.1, port: {port} }}\n"
           f"    - {{ transport: tcp, address: 127.0.0.1, port: {port} }}\n"
           f"guards: {{ scanner: {{ enabled: false }}, ratelimit: {{ enabled: false }} }}\n")
    open(f"{d}/imsguard.yaml", "w").write(cfg)
    log = open(f"{d}/imsguard.log", "w")
    proc = subprocess.Popen([a.binary, "run", "--config", f"{d}/imsguard.yaml"], stdout=log, stderr=log,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard)))
    try:
        for _ in range(200):
            if served(port, 0):
                break
            time.sleep(0.1)
        else:
            print("imsguard did not start; see", log.name)
            return 1
        held = []
        t0 = time.time()
        for i in range(a.idle):
            s = socket.socket()
            s.bind((f"127.0.2.{1 + i % a.sources}", 0))
            try:
                s.connect(("127.0.0.1", port))
            except OSError:
                s.close()
                continue
            if a.mode == "crlf":
                s.send(b"\r\n\r\n")  # an RFC 5626 ping: bytes, never a message
            held.append(s)
        fill_s = time.time() - t0
        time.sleep(a.wait)
        t1 = time.time()
        ok = sum(served(port, i + 1) for i in range(a.clients))
        probe_s = time.time() - t1
        # How many of the held connections the server has closed by now.
        closed = 0
        for s in held:
            s.setblocking(False)
            try:
                while True:  # pongs may be waiting before the end of the stream
                    chunk = s.recv(4096)
                    if chunk == b"":
                        closed += 1
                        break
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        print(f"RESULT idle={a.idle} sources={a.sources} mode={a.mode} held={len(held)} fill_s={fill_s:.1f} "
              f"wait_s={a.wait:g} clients={a.clients} served={ok} probe_s={probe_s:.1f} idle_closed={closed}")
        for s in held:
            s.close()
        return 0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
