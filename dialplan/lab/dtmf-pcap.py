#!/usr/bin/env python3
"""Writes RFC 2833 (RFC 4733) DTMF as a pcap that SIPp's play_pcap_audio replays.

SIPp's bundled dtmf_2833_*.pcap files each hold one digit with fixed RTP sequence numbers and
timestamps. Asterisk drops a DTMF event whose timestamp is not above the previous event's
(res_rtp_asterisk.c, process_dtmf_rfc2833), so a sequence built from them loses digits: `*8`
arrives as `*`, nothing after a `#` arrives. Here one pcap holds a whole keyed sequence in one
RTP stream: sequence numbers and timestamps rise from packet to packet and event to event, and
the capture times space the digits as a person keys them.

    python3 dtmf-pcap.py                       # the pcaps the lab scenarios play, into pcap/
    python3 dtmf-pcap.py 1357#1234# my.pcap    # any sequence; a comma is a pause

Keys: 0-9, *, #, A-D. A comma pauses (--pause-ms) so the caller can hear the next prompt.
Standard library only.
"""
import argparse
import os
import struct
import sys

EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11, "A": 12, "B": 13, "C": 14, "D": 15}
PAYLOAD_TYPE = 101  # the telephone-event type the lab scenarios offer in their SDP
RATE = 8000  # RTP clock of telephone-event/8000
PTIME_MS = 20

# The sequences the scenarios in this folder play, by file name.
SCENARIO_KEYS = {
    "code-accepted": "1234#",
    "wrong-then-right": "1357#1234#",
    "optional-skip": "#",
    "max-retries-denied": "1357#,2468#,9753#",
    "tag": "#,*8,1234#",
    "transfer-attended": "1234#,,*22001",
}


def ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack("!10H", header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(payload: bytes) -> bytes:
    """Ethernet, IPv4 and UDP around an RTP packet; SIPp rewrites the addresses and ports."""
    udp = struct.pack("!HHHH", 6000, 6000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    ethernet = b"\x00" * 12 + b"\x08\x00"
    return ethernet + ip + udp


def packets(keys: str, duration_ms: int, gap_ms: int, pause_ms: int, lead_ms: int):
    """Yields (capture time in microseconds, RTP packet) for the keyed sequence."""
    seq = 1000
    ssrc = 0x41434354  # "ACCT"
    # Silence first, in the same stream: Asterisk's strict RTP drops the first packets from a new
    # source while it learns it (probation), and they must not be the first key's.
    for clock_ms in range(0, lead_ms, PTIME_MS):
        header = struct.pack("!BBHII", 0x80, 0x80 if clock_ms == 0 else 0, seq & 0xFFFF, clock_ms * RATE // 1000, ssrc)
        seq += 1
        yield clock_ms * 1000, header + b"\xff" * (PTIME_MS * RATE // 1000)
    clock_ms = lead_ms
    for key in keys:
        if key == ",":
            clock_ms += pause_ms
            continue
        event = EVENTS[key.upper()]
        timestamp = (clock_ms * RATE // 1000) & 0xFFFFFFFF  # the event's start: above every earlier one
        steps = max(1, duration_ms // PTIME_MS)
        for step in range(steps + 3):  # the event as it grows, then its end sent three times
            end = step >= steps
            duration = min(step + 1, steps) * PTIME_MS * RATE // 1000
            marker = 0x80 if step == 0 else 0
            header = struct.pack("!BBHII", 0x80, marker | PAYLOAD_TYPE, seq & 0xFFFF, timestamp, ssrc)
            body = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            seq += 1
            yield (clock_ms + min(step, steps) * PTIME_MS) * 1000, header + body
        clock_ms += duration_ms + gap_ms


def write_pcap(path: str, keys: str, duration_ms: int, gap_ms: int, pause_ms: int, lead_ms: int) -> int:
    count = 0
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for micros, rtp in packets(keys, duration_ms, gap_ms, pause_ms, lead_ms):
            data = frame(rtp)
            out.write(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(data), len(data)) + data)
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("keys", nargs="?", help="keys to send, e.g. 1357#1234# (default: every scenario's pcap)")
    parser.add_argument("output", nargs="?", help="pcap file to write")
    parser.add_argument("--duration-ms", type=int, default=100, help="how long each key is held (default 100)")
    parser.add_argument("--gap-ms", type=int, default=250, help="silence between keys (default 250)")
    parser.add_argument("--pause-ms", type=int, default=4000, help="what a comma waits (default 4000)")
    parser.add_argument("--lead-ms", type=int, default=300, help="PCMU silence before the first key (default 300)")
    args = parser.parse_args()
    if args.duration_ms < PTIME_MS or args.gap_ms < 0 or args.pause_ms < 0 or args.lead_ms < 0:
        parser.error(f"--duration-ms must be at least {PTIME_MS}; the others cannot be negative")
    jobs = []
    if args.keys is None:
        os.makedirs("pcap", exist_ok=True)
        jobs = [(keys, os.path.join("pcap", f"{name}.pcap")) for name, keys in SCENARIO_KEYS.items()]
    else:
        bad = sorted({k for k in args.keys if k != "," and k.upper() not in EVENTS})
        if bad or not args.output:
            parser.error(f"keys may hold 0-9 * # A-D and commas (got {''.join(bad)!r}); give an output file")
        jobs = [(args.keys, args.output)]
    for keys, path in jobs:
        count = write_pcap(path, keys, args.duration_ms, args.gap_ms, args.pause_ms, args.lead_ms)
        print(f"{path}: {keys} in {count} RTP packets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
