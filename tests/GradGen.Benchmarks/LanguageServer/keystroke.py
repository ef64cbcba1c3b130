#!/usr/bin/env python3
"""Edit -> diagnostic latency in a real language server (csharp-ls, analyzers on), and the server's CPU time per edit.

usage: CSLS=path/to/csharp-ls python3 keystroke.py PROJECT_DIR FILE OLD NEW [EDITS] [CODE]

Opens FILE, waits until its diagnostics hold a CODE diagnostic (default: GG), then alternately replaces the text OLD by
NEW and back; after each edit it pulls diagnostics (textDocument/diagnostic) until the count of CODE diagnostics follows
the edit. Prints one JSON line per edit (wall ms, server CPU ms, UTC time of the edit) and a summary line:
  {"median_ms": ..., "median_cpu_ms": ..., ...}
CPU time is the server process's user+system time (/proc) from the edit to the answer: unlike wall time it barely moves
with the machine's load, so it is the figure to compare on a shared machine. The first edit after opening is a warm-up
and the next few (WARMUP, default 4: the server's JIT promotes hot code meanwhile) are not counted. Environment: GRADGEN_TRACE (passed on to the server) makes GradGen log its steps to that file.
"""
import json, os, subprocess, sys, threading, time, datetime

root, fpath, old, new = sys.argv[1:5]
edits = int(sys.argv[5]) if len(sys.argv) > 5 else 6
code = sys.argv[6] if len(sys.argv) > 6 else "GG"
server = subprocess.Popen([os.environ.get("CSLS", "csharp-ls")], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
lock = threading.Lock(); results = {}; next_id = [1000]
tick = os.sysconf("SC_CLK_TCK")


def cpu_ms():
    with open(f"/proc/{server.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / tick


def send(message):
    body = json.dumps(message).encode()
    with lock:
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body); server.stdin.flush()


def reader():
    while True:
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            c = server.stdout.read(1)
            if not c: return
            header += c
        n = int([l for l in header.decode().split("\r\n") if l.lower().startswith("content-length")][0].split(":")[1])
        body = json.loads(server.stdout.read(n))
        if "id" in body and "method" in body:
            result = None
            if body["method"] == "workspace/configuration":
                result = [({"analyzersEnabled": True} if item.get("section") == "csharp" else None) for item in body["params"].get("items", [])]
            send({"jsonrpc": "2.0", "id": body["id"], "result": result})
        elif "id" in body:
            results[body["id"]] = body.get("result")


threading.Thread(target=reader, daemon=True).start()
warmup = int(os.environ.get("WARMUP", "4"))
print(json.dumps({"server_pid": server.pid}), flush=True)
uri = "file://" + os.path.abspath(fpath)
send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": os.getpid(), "rootUri": "file://" + os.path.abspath(root),
      "initializationOptions": {"csharp": {"analyzersEnabled": True}},
      "capabilities": {"workspace": {"configuration": True}, "textDocument": {"publishDiagnostics": {}, "diagnostic": {}}}}})
while 1 not in results: time.sleep(0.05)
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
text = open(fpath).read(); version = 1
if old not in text: sys.exit(f"'{old}' not in {fpath}")
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "csharp", "version": 1, "text": text}}})


def count():
    next_id[0] += 1; i = next_id[0]
    send({"jsonrpc": "2.0", "id": i, "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": uri}}})
    t0 = time.time()
    while i not in results and time.time() - t0 < 120: time.sleep(0.005)
    report = results.pop(i, None) or {}
    return sum(1 for d in report.get("items", []) if str(d.get("code", "")).startswith(code))


deadline = time.time() + 300; base = 0
while time.time() < deadline:
    base = count()
    if base > 0: break
    time.sleep(1)
if base == 0: server.kill(); sys.exit(f"no {code} diagnostics after 300 s")
time.sleep(2)
walls, cpus = [], []
for e in range(edits + warmup):
    fixed = e % 2 == 0
    version += 1; text = text.replace(old, new) if fixed else text.replace(new, old)
    want = base - 1 if fixed else base
    c0 = cpu_ms(); t0 = time.time(); at = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
    while time.time() - t0 < 120:
        if count() == want: break
        time.sleep(0.005)
    wall = (time.time() - t0) * 1000; cpu = cpu_ms() - c0
    print(json.dumps({"edit": e, "at": at, "wall_ms": round(wall), "cpu_ms": round(cpu), "warmup": e < warmup}), flush=True)
    if e >= warmup: walls.append(wall); cpus.append(cpu)
    time.sleep(1.0)
server.kill()
walls.sort(); cpus.sort()
print(json.dumps({"project": os.path.basename(os.path.abspath(root)), "edits": len(walls), "median_ms": round(walls[len(walls) // 2]),
                  "median_cpu_ms": round(cpus[len(cpus) // 2]), "min_ms": round(walls[0]), "min_cpu_ms": round(cpus[0]), "code_diagnostics": base,
                  "load": os.getloadavg()[0]}), flush=True)
