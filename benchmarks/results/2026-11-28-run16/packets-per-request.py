#!/usr/bin/env python3
"""Packets on lo per request at 32 connections: data segments and pure ACKs, haproxy against the
appliance without and with the policy (tcpdump, 3 s of wrk each, one target at a time; needs root).

    python3 benchmarks/results/2026-11-28-run16/packets-per-request.py [RUN_DIR]
"""
import os, sys, time, subprocess, signal
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import bench
run = sys.argv[1] if len(sys.argv) > 1 else '/tmp/packets-per-request'; os.makedirs(run, exist_ok=True)
procs = bench.Processes(run)
b, ports = bench.start_backend_pair(procs, run, True)
pp, pport = bench.start_policy(procs)
vals = bench.template_values(ports, pport, run)
a, aport, _ = bench.start_appliance(procs, 'appliance', 'appliance-plain.yaml', vals, run)
ap, apport, _ = bench.start_appliance(procs, 'appliance-policy', 'appliance-policy-nocache.yaml', vals, run)
hport = bench.free_port()
servers = bench.haproxy_servers([vals["BACKEND_1"], vals["BACKEND_2"]])
path = bench.render_template(os.path.join(bench.CONFIGS, "haproxy.cfg"), dict(vals, LISTEN_PORT=hport, SERVERS=servers), os.path.join(run, "haproxy.cfg"))
h = procs.start("haproxy", [bench.which("haproxy"), "-db", "-f", path])
bench.wait_port(hport, h)
for name, port in (('haproxy', hport), ('appliance', aport), ('appliance-policy', apport)):
    url = f'http://127.0.0.1:{port}/catalog?item=5'
    bench.run_wrk(url, 32, 8)
    pcap = f'{run}/{name}.pcap'
    t = subprocess.Popen(['tcpdump', '-i', 'lo', '-s', '96', '-w', pcap, '-n', 'tcp'], stderr=subprocess.DEVNULL)
    time.sleep(1)
    r = bench.run_wrk(url, 32, 3)
    time.sleep(0.3)
    t.send_signal(signal.SIGINT); t.wait()
    out = subprocess.run(['tcpdump', '-r', pcap, '-n', '-tt'], capture_output=True, text=True).stdout.splitlines()
    data = sum(1 for l in out if 'length 0' not in l)
    acks = sum(1 for l in out if 'length 0' in l)
    print(f'{name}: requests {r["requests"]}, data packets/req {data/r["requests"]:.2f}, pure ACKs/req {acks/r["requests"]:.2f}')
